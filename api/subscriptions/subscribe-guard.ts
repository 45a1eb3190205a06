import { getOperationAST, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Authenticator } from '../graphql/authenticate.js';
import type { Principal } from '../graphql/gateway-context.js';
import { checkOperationLimits, type QueryLimits } from '../graphql/limits/operation-limits.js';

export interface SubscribeRequest {
  readonly query: string;
  readonly operationName?: string | null;
  readonly variables?: Record<string, unknown> | null;
}

/** Not an Outcome: the edge's own answer, the GraphQL errors the socket sends as they are (every validation error, codes and extensions), which one Problem cannot carry. */
export type SubscribeDecision =
  | { readonly ok: true; readonly document: DocumentNode; readonly operationName: string | undefined; readonly variables: Record<string, unknown> }
  | { readonly ok: false; readonly errors: readonly GraphQLError[] };

const refuse = (error: GraphQLError): SubscribeDecision => ({ ok: false, errors: [error] });

const SUBSCRIPTIONS_ONLY =
  'this socket carries subscriptions only: send queries and mutations as POST /graphql, where they are rate limited, measured and audited';

/**
 * What a `subscribe` message on the socket must pass before anything executes: the
 * connection's subscription cap, the key's rate (the same budget as its HTTP requests), then
 * the document's validity and the depth, cost and page-size rules HTTP applies (one
 * implementation, checkOperationLimits). Queries and mutations are refused: they belong to HTTP.
 */
export function createSubscribeGuard(deps: {
  schema: GraphQLSchema;
  authenticator: Authenticator;
  limits: QueryLimits;
  maxSubscriptionsPerConnection: number;
}) {
  return async (principal: Principal, request: SubscribeRequest, openSubscriptions: number): Promise<SubscribeDecision> => {
    if (openSubscriptions > deps.maxSubscriptionsPerConnection) {
      return refuse(
        new GraphQLError(
          `at most ${deps.maxSubscriptionsPerConnection} subscriptions on one connection; complete one or open another connection`,
          { extensions: { code: 'BAD_USER_INPUT', maxSubscriptions: deps.maxSubscriptionsPerConnection } },
        ),
      );
    }
    try {
      await deps.authenticator.meter(principal);
    } catch (error) {
      if (error instanceof GraphQLError) return refuse(error);
      throw error;
    }

    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (error) {
      if (error instanceof GraphQLError) return refuse(error);
      throw error;
    }
    const invalid = validate(deps.schema, document);
    if (invalid.length > 0) return { ok: false, errors: invalid };

    const operationName = request.operationName ?? undefined;
    const variables = request.variables ?? {};
    const operation = getOperationAST(document, operationName);
    if (operation === null || operation === undefined) {
      return refuse(new GraphQLError('name the operation to run (operationName) or send exactly one', { extensions: { code: 'BAD_USER_INPUT' } }));
    }
    const overLimits = checkOperationLimits(deps.limits, { schema: deps.schema, document, operationName, variables });
    if (overLimits !== undefined) return refuse(overLimits);
    if (operation.operation !== 'subscription') {
      return refuse(new GraphQLError(SUBSCRIPTIONS_ONLY, { extensions: { code: 'BAD_USER_INPUT', operation: operation.operation } }));
    }
    return { ok: true, document, operationName, variables };
  };
}
