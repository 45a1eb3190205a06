import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { analyseOperation } from './query-complexity.js';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxFirst: number;
  defaultListSize: number;
}

/**
 * Rejects over-large operations after parsing/validation but before execution, so no resolver
 * (and no database work) runs for them. Bad `first` arguments win over complexity because they are
 * the more actionable message for the client.
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
          const analysis = analyseOperation({
            schema,
            document,
            operationName,
            variables: request.variables ?? {},
            maxFirst: limits.maxFirst,
            defaultListSize: limits.defaultListSize,
          });

          const violation = analysis.firstViolations[0];
          if (violation) {
            throw new GraphQLError(`first must be between 0 and ${limits.maxFirst} (${violation.path})`, {
              extensions: {
                code: 'BAD_USER_INPUT',
                argumentPath: violation.path,
                value: violation.value,
                http: { status: 400 },
              },
            });
          }

          const tooDeep = analysis.depth > limits.maxDepth;
          const tooCostly = analysis.cost > limits.maxCost;
          if (tooDeep || tooCostly) {
            const reasons = [
              tooDeep ? `depth ${analysis.depth} exceeds ${limits.maxDepth}` : null,
              tooCostly ? `cost ${analysis.cost} exceeds ${limits.maxCost}` : null,
            ].filter((reason): reason is string => reason !== null);
            throw new GraphQLError(`Query is too complex: ${reasons.join('; ')}`, {
              extensions: {
                code: 'QUERY_TOO_COMPLEX',
                depth: analysis.depth,
                cost: analysis.cost,
                maxDepth: limits.maxDepth,
                maxCost: limits.maxCost,
                http: { status: 400 },
              },
            });
          }
        },
      };
    },
  };
}
