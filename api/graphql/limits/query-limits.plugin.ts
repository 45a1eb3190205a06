import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { checkOperationLimits, type QueryLimits } from './operation-limits.js';

export type { QueryLimits } from './operation-limits.js';

/**
 * Rejects over-large operations after parsing/validation but before execution, so no resolver
 * (and no database work) runs for them. The rules themselves live in operation-limits.ts.
 */
export function queryLimitsPlugin<TContext extends BaseContext = BaseContext>(
  limits: QueryLimits,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, operationName, request, schema }) {
          // No operation to measure (several and no or an unknown operationName): execution refuses it
          // with OPERATION_RESOLUTION_FAILURE before any resolver runs.
          if (operation === undefined) return;
          const refusal = checkOperationLimits(limits, { schema, document, operationName, variables: request.variables ?? {} });
          if (refusal !== undefined) throw refusal;
        },
      };
    },
  };
}
