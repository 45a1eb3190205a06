import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { hashSecret } from '../../tenants/api-keys/api-key-secret.js';
import type { KeyResolver } from '../../tenants/api-keys/key-resolver.js';
import type { Authenticator } from '../graphql/authenticate.js';
import type { GatewayContext, Principal } from '../graphql/gateway-context.js';
import type { QueryLimits } from '../graphql/limits/operation-limits.js';
import { peerAddress } from '../../platform/http/peer-address.js';
import { createConnectionRegistry, TOO_MANY_CONNECTIONS_CLOSE } from './connection-registry.js';
import { PeerFaultTolerantWebSocket } from './peer-fault-socket.js';
import { createSubscribeGuard } from './subscribe-guard.js';

export interface SubscriptionSettings {
  /** Largest message read, before authentication too; a bigger one closes the socket (1009). */
  readonly maxPayloadBytes: number;
  /** A socket that sends no connection_init within this closes (4408). */
  readonly initWaitMs: number;
  readonly maxConnectionsPerKey: number;
  readonly maxSubscriptionsPerConnection: number;
  readonly limits: QueryLimits;
}

/**
 * graphql-ws on the gateway's port and path, for subscriptions only. The key comes in the
 * `connection_init` payload; every subscribe is metered against the key's rate and measured by
 * the same depth/cost/page-size rules as HTTP; a revoked key's sockets close.
 */
export function attachSubscriptions(deps: {
  server: Server;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  keys: Pick<KeyResolver, 'onRevoked'>;
  trustProxy: Parameters<typeof peerAddress>[1];
  settings: SubscriptionSettings;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}): { close(): Promise<void> } {
  const { settings } = deps;
  // ws refuses a frame whose header announces more than maxPayload before buffering its body.
  const wss = new WebSocketServer({
    server: deps.server,
    path: '/graphql',
    maxPayload: settings.maxPayloadBytes,
    WebSocket: PeerFaultTolerantWebSocket,
  });
  const principals = new WeakMap<object, Principal>();
  const registry = createConnectionRegistry({ maxPerKey: settings.maxConnectionsPerKey });
  const stopWatchingRevocations = deps.keys.onRevoked((secretHash) => registry.revoked(secretHash));
  const guard = createSubscribeGuard({
    schema: deps.schema,
    authenticator: deps.authenticator,
    limits: settings.limits,
    maxSubscriptionsPerConnection: settings.maxSubscriptionsPerConnection,
  });
  const format = (error: { toJSON(): GraphQLFormattedError; extensions?: Record<string, unknown> }, original: unknown) => {
    // `http` tells Apollo the status of an HTTP answer; a socket message has none.
    const { http: _http, ...extensions }: Record<string, unknown> = { code: 'BAD_USER_INPUT', ...error.extensions };
    return deps.formatError({ ...error.toJSON(), extensions }, original);
  };

  const disposable = useServer<Record<string, unknown>>(
    {
      schema: deps.schema,
      connectionInitWaitTimeout: settings.initWaitMs,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const authorization = ctx.connectionParams?.['authorization'];
        const token = typeof authorization === 'string' ? /^Bearer\s+(sk_\S+)\s*$/i.exec(authorization)?.[1] : undefined;
        if (token !== undefined) registry.watch(socket, hashSecret(token));
        let principal: Principal;
        try {
          principal = await deps.authenticator.authenticate(
            typeof authorization === 'string' ? authorization : undefined,
            peerAddress(ctx.extra.request, deps.trustProxy),
          );
        } catch {
          return false; // closes with 4403 Forbidden
        }
        // Closed while the key was checked: its close was already reported, so a slot taken now would never be freed.
        if (socket.readyState !== socket.OPEN) return false;
        const keyId = principal.kind === 'tenant' ? principal.tenant.keyId : 'admin';
        if (!registry.admit(socket, keyId)) {
          // A socket revoked while authenticating is already closing with 4401; the first close code wins.
          socket.close(TOO_MANY_CONNECTIONS_CLOSE.code, TOO_MANY_CONNECTIONS_CLOSE.reason);
          return false;
        }
        principals.set(ctx, principal);
        return true;
      },
      onClose: (ctx) => registry.release(ctx.extra.socket),
      onSubscribe: async (ctx, _id, payload) => {
        const principal = principals.get(ctx);
        if (principal === undefined) throw new Error('subscribe on an unauthenticated connection');
        // graphql-ws has already entered this subscription in ctx.subscriptions.
        const decision = await guard(principal, payload, Object.keys(ctx.subscriptions).length);
        if (!decision.ok) return [...decision.errors];
        const contextValue: GatewayContext = { principal, requestId: randomUUID() };
        return {
          schema: deps.schema,
          document: decision.document,
          operationName: decision.operationName,
          variableValues: decision.variables,
          contextValue,
        };
      },
      // Subscription results bypass Apollo, so they get the same error mapping here.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors === undefined ? result : { ...result, errors: result.errors.map((error) => deps.formatError(error, error)) },
      // Refusals carry their code; parse and validation failures arrive without one: they are the client's.
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => format(error, error)),
    },
    wss,
  );
  return {
    async close() {
      stopWatchingRevocations();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
