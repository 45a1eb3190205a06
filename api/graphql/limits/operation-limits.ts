import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { analyseOperation, MAX_EVALUATED_SELECTIONS } from './query-complexity.js';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxFirst: number;
  defaultListSize: number;
}

export interface OperationToCheck {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
}

/**
 * The one place the depth, cost and page-size rules are applied; every transport (HTTP through
 * the Apollo plugin, the WebSocket before it subscribes) asks here, so they cannot drift apart.
 * Bad `first` arguments win over complexity: they are the more actionable message for the client.
 * Returns the error to send, or undefined when the operation is within the limits.
 */
export function checkOperationLimits(limits: QueryLimits, operation: OperationToCheck): GraphQLError | undefined {
  const analysis = analyseOperation({
    ...operation,
    maxFirst: limits.maxFirst,
    defaultListSize: limits.defaultListSize,
  });

  const violation = analysis.firstViolations[0];
  if (violation) {
    return new GraphQLError(`first must be between 0 and ${limits.maxFirst} (${violation.path})`, {
      extensions: {
        code: 'BAD_USER_INPUT',
        argumentPath: violation.path,
        value: violation.value,
        http: { status: 400 },
      },
    });
  }

  const tooDeep = analysis.depth > limits.maxDepth;
  const tooMany = analysis.unmeasured === 'too-many-selections';
  const tooCostly = analysis.cost > limits.maxCost;
  if (!tooDeep && !tooMany && !tooCostly) return undefined;
  const reasons = [
    tooDeep ? `depth ${analysis.depth} exceeds ${limits.maxDepth}` : null,
    tooMany ? `more than ${MAX_EVALUATED_SELECTIONS} selections to evaluate` : null,
    tooCostly ? `cost ${analysis.cost} exceeds ${limits.maxCost}` : null,
  ].filter((reason): reason is string => reason !== null);
  return new GraphQLError(`Query is too complex: ${reasons.join('; ')}`, {
    extensions: {
      code: 'QUERY_TOO_COMPLEX',
      depth: analysis.depth,
      // No cost when there were too many selections to measure it.
      ...(tooMany ? {} : { cost: analysis.cost }),
      maxDepth: limits.maxDepth,
      maxCost: limits.maxCost,
      http: { status: 400 },
    },
  });
}
