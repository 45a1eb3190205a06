import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { peerAddress, type TrustProxy } from '../../platform/http/peer-address.js';
import { readDecodedBody } from '../http/decoded-body.js';
import { sendRequestError } from '../http/respond.js';
import type { Authenticator } from './authenticate.js';
import type { GatewayContext } from './gateway-context.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** GraphQL over HTTP: POST with a JSON body, or GET for queries. */
export function createGraphqlRoute(deps: {
  apollo: ApolloServer<GatewayContext>;
  authenticator: Authenticator;
  trustProxy: TrustProxy;
}) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    let body: unknown;
    if (req.method === 'POST') {
      const read = await readDecodedBody(req, MAX_BODY_BYTES);
      if (!read.ok) return sendRequestError(res, read.status, 'BAD_USER_INPUT', read.reason);
      const isJson = /^application\/(graphql-response\+)?json\b/i.test(req.headers['content-type'] ?? '');
      if (!isJson) {
        return sendRequestError(res, 415, 'BAD_USER_INPUT', 'send the GraphQL request as Content-Type: application/json');
      }
      try {
        body = JSON.parse(read.text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'unparseable';
        return sendRequestError(res, 400, 'BAD_USER_INPUT', `malformed JSON body: ${reason}`);
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return sendRequestError(res, 400, 'BAD_USER_INPUT', 'the body must be one GraphQL request object; batching is off');
      }
    } else if (req.method !== 'GET') {
      res.setHeader('allow', 'GET, POST');
      return sendRequestError(res, 405, 'BAD_USER_INPUT', 'use GET or POST');
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: url.search, body },
      context: async () => ({
        principal: await deps.authenticator.authenticate(req.headers.authorization, peerAddress(req, deps.trustProxy)),
        requestId: randomUUID(),
      }),
    });
    res.statusCode = result.status ?? 200;
    for (const [name, value] of result.headers) res.setHeader(name, value);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
