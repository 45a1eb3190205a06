import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../graphql/authenticate.js';
import type { GatewayContext, Principal } from '../graphql/gateway-context.js';
import { peerAddress } from '../http/peer-address.js';

/**
 * graphql-ws on the gateway's port and path. The key comes in the
 * `connection_init` payload; a client that sends none within the wait is closed.
 */
export function attachSubscriptions(deps: {
  server: Server;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  trustProxy: boolean;
  initWaitMs: number;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: deps.server, path: '/graphql' });
  const principals = new WeakMap<object, Principal>();
  const disposable = useServer<Record<string, unknown>>(
    {
      schema: deps.schema,
      connectionInitWaitTimeout: deps.initWaitMs,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.['authorization'];
        try {
          const principal = await deps.authenticator.authenticate(
            typeof authorization === 'string' ? authorization : undefined,
            peerAddress(ctx.extra.request, deps.trustProxy),
          );
          principals.set(ctx, principal);
          return true;
        } catch {
          return false; // closes with 4403 Forbidden
        }
      },
      context: (ctx): GatewayContext => {
        const principal = principals.get(ctx);
        if (principal === undefined) throw new Error('subscription on an unauthenticated connection');
        return { principal, requestId: randomUUID() };
      },
      // Subscription results bypass Apollo, so they get the same error mapping here.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors === undefined ? result : { ...result, errors: result.errors.map((error) => deps.formatError(error, error)) },
      // graphql-ws reports parse and validation failures here, without a code: they are the client's.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) =>
          deps.formatError({ ...error.toJSON(), extensions: { code: 'BAD_USER_INPUT', ...error.extensions } }, error),
        ),
    },
    wss,
  );
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
