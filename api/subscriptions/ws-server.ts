import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../platform/logging/logger.js';
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
  log: Logger;
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
      onError: (_ctx, _id, _payload, errors) => {
        deps.log.debug('subscription error', { errors: errors.map((e) => e.message) });
      },
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
