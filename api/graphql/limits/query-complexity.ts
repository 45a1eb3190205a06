import {
  getVariableValues,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { createCostEstimator } from './cost-estimator.js';
import { measureOperationShape, type FirstViolation } from './operation-shape.js';

export type { FirstViolation } from './operation-shape.js';

/**
 * Why an operation has no measured cost:
 * - `too-many-selections`: more than MAX_EVALUATED_SELECTIONS selections once fragments are
 *   expanded (the library's guard against fragment fan-out); refuse it as too complex.
 * - `invalid-variables`: the variables do not coerce; execution refuses the operation with
 *   BAD_USER_INPUT before any resolver runs.
 */
export type UnmeasuredCost = 'too-many-selections' | 'invalid-variables';

export interface OperationAnalysis {
  depth: number;
  /** 0 when `unmeasured` says why there is no cost. */
  cost: number;
  unmeasured?: UnmeasuredCost;
  firstViolations: FirstViolation[];
}

export interface AnalyseOperationArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
  maxFirst: number;
  defaultListSize: number;
}

/** graphql-query-complexity's maxQueryNodes: selections evaluated with fragments expanded. */
export const MAX_EVALUATED_SELECTIONS = 10_000;

/**
 * Static depth/cost analysis of one operation of a parsed (normally validated) document. The cost
 * is graphql-query-complexity's getComplexity with the rule in cost-estimator.ts (it honours
 * @skip/@include and, under an interface or union, counts the costliest possible type); depth and
 * `first` violations come from operation-shape.ts.
 */
export function analyseOperation(args: AnalyseOperationArgs): OperationAnalysis {
  const { schema, document, operationName, variables, maxFirst, defaultListSize } = args;
  const operation = selectOperation(document, operationName);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const shape = measureOperationShape({ schema, operation, fragments, variableValues: coerceEachVariable(schema, operation, variables), maxFirst });

  // getComplexity throws on variables that do not coerce; checked here so that case is a value.
  const variableDefinitions = operation.variableDefinitions ?? [];
  if (getVariableValues(schema, variableDefinitions, variables).errors !== undefined) {
    return { ...shape, cost: 0, unmeasured: 'invalid-variables' };
  }
  try {
    const cost = getComplexity({
      schema,
      query: document,
      variables,
      // The library picks the operation by name only; a lone operation is picked by having no rival.
      ...(operation.name ? { operationName: operation.name.value } : {}),
      estimators: [createCostEstimator(fragments, defaultListSize)],
      maxQueryNodes: MAX_EVALUATED_SELECTIONS,
    });
    return { ...shape, cost };
  } catch (error) {
    if (isSelectionLimitError(error)) return { ...shape, cost: 0, unmeasured: 'too-many-selections' };
    throw error;
  }
}

// The library throws a plain GraphQLError with this message past maxQueryNodes (2.0.0).
function isSelectionLimitError(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query exceeds the maximum allowed number of nodes.';
}

function selectOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((candidate) => candidate.name?.value === operationName)
    : operations.length === 1 ? operations[0] : undefined;
  if (!operation) {
    throw new Error(operationName ? `Unknown operation "${operationName}"` : 'Operation name required to select an operation');
  }
  return operation;
}

// Coerce each variable on its own so one malformed variable doesn't hide the others' `first`
// values (execution will reject it later anyway); definition defaults are applied here too.
function coerceEachVariable(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const coerced: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const result = getVariableValues(schema, [definition], raw, { maxErrors: 1 });
    if (result.coerced) Object.assign(coerced, result.coerced);
  }
  return coerced;
}
