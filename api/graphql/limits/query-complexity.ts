import {
  getNamedType,
  getNullableType,
  getVariableValues,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { fieldWeight } from './field-cost.js';

export interface FirstViolation {
  /** Response-key path of the field plus the argument, e.g. `account.leads.first`. */
  path: string;
  value: number;
}

export interface OperationAnalysis {
  depth: number;
  cost: number;
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

interface Measure {
  depth: number;
  cost: number;
}

// Arguments that bound how many items a list field returns; only `first` is range-checked.
const PAGE_SIZE_ARGUMENTS = ['first', 'limit'] as const;
const FIRST_ARGUMENT = 'first';
// List fields of a connection type, sized by the connection field's own `first`.
const CONNECTION_LISTS = new Set(['edges', 'nodes']);
const NOTHING: Measure = { depth: 0, cost: 0 };

/**
 * Static depth/cost analysis of one operation of a parsed (normally validated) document.
 *
 * - depth: deepest field nesting; `__typename` is free, `__schema`/`__type` count like any field.
 * - cost(field) = weight + multiplier * sum(cost(children)), where weight is the field's declared
 *   `extensions.cost` (see field-cost.ts; 1 when it declares none) and multiplier is, for
 *   list-returning fields, the `first`/`limit` argument (literal or variable), else that argument's
 *   schema default, else `defaultListSize`; for non-list fields it is 1.
 * - @skip/@include are ignored, so the result is an upper bound.
 * - firstViolations: supplied `first` arguments outside [0, maxFirst], each argument node once.
 */
export function analyseOperation(args: AnalyseOperationArgs): OperationAnalysis {
  const { schema, document, operationName, variables, maxFirst, defaultListSize } = args;
  const operation = selectOperation(document, operationName);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variableValues = coerceVariables(schema, operation, variables);
  const firstViolations: FirstViolation[] = [];
  // Fragment results are memoised so fragment fan-out ("fragment bombs") stays linear in document
  // size; fragments on the current path are skipped so invalid cyclic documents still terminate.
  const fragmentMeasures = new Map<string, Measure>();
  const fragmentsOnPath = new Set<string>();

  const measureSelectionSet = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType | undefined,
    path: readonly string[],
    pageSize?: number,
  ): Measure => {
    let depth = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      let measure: Measure;
      if (selection.kind === Kind.FIELD) {
        measure = measureField(selection, parentType, path, pageSize);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        measure = measureSelectionSet(selection.selectionSet, type, path, pageSize);
      } else {
        measure = measureFragmentSpread(selection.name.value, path, pageSize);
      }
      depth = Math.max(depth, measure.depth);
      cost += measure.cost;
    }
    return { depth, cost };
  };

  const measureFragmentSpread = (name: string, path: readonly string[], pageSize?: number): Measure => {
    const key = `${name}:${pageSize ?? ''}`;
    const memoised = fragmentMeasures.get(key);
    if (memoised) return memoised;
    const fragment = fragments.get(name);
    if (!fragment || fragmentsOnPath.has(name)) return NOTHING;
    fragmentsOnPath.add(name);
    const measure = measureSelectionSet(
      fragment.selectionSet,
      schema.getType(fragment.typeCondition.name.value),
      path,
      pageSize,
    );
    fragmentsOnPath.delete(name);
    fragmentMeasures.set(key, measure);
    return measure;
  };

  const measureField = (
    node: FieldNode,
    parentType: GraphQLNamedType | undefined,
    path: readonly string[],
    pageSize?: number,
  ): Measure => {
    const name = node.name.value;
    if (name === '__typename') return NOTHING;
    const field = fieldDefinition(schema, parentType, name);
    const fieldPath = [...path, node.alias?.value ?? name];

    const first = suppliedNumber(node, field, FIRST_ARGUMENT, variableValues);
    if (first !== undefined && (first < 0 || first > maxFirst)) {
      firstViolations.push({ path: [...fieldPath, FIRST_ARGUMENT].join('.'), value: first });
    }

    const isList = field !== undefined && isListType(getNullableType(field.type));
    // A connection's `first` bounds its edges: pass it down instead of guessing defaultListSize there.
    const connectionSize = field && !isList && hasPageSizeArgument(field) ? listSize(node, field, variableValues, defaultListSize) : undefined;
    const children = node.selectionSet
      ? measureSelectionSet(node.selectionSet, field ? getNamedType(field.type) : undefined, fieldPath, connectionSize)
      : NOTHING;
    const inherited = pageSize !== undefined && CONNECTION_LISTS.has(name) && !hasPageSizeArgument(field) ? pageSize : undefined;
    const multiplier = field && isList ? (inherited ?? listSize(node, field, variableValues, defaultListSize)) : 1;
    return { depth: 1 + children.depth, cost: fieldWeight(field) + multiplier * children.cost };
  };

  const rootType = schema.getRootType(operation.operation) ?? undefined;
  const { depth, cost } = measureSelectionSet(operation.selectionSet, rootType, []);
  return { depth, cost, firstViolations };
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

// Coerce each variable on its own so one malformed variable doesn't hide the others' values
// (execution will reject it later anyway); definition defaults are applied here too.
function coerceVariables(
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

function fieldDefinition(
  schema: GraphQLSchema,
  parentType: GraphQLNamedType | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (!parentType) return undefined;
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  if (isObjectType(parentType) || isInterfaceType(parentType)) return parentType.getFields()[name];
  return undefined;
}

/** The argument's value as written in the query (literal or variable), if it is a finite number. */
function suppliedNumber(
  node: FieldNode,
  field: GraphQLField<unknown, unknown> | undefined,
  argumentName: string,
  variableValues: Record<string, unknown>,
): number | undefined {
  const argumentNode = node.arguments?.find((argument) => argument.name.value === argumentName);
  const definition = field?.args.find((argument) => argument.name === argumentName);
  if (!argumentNode || !definition) return undefined;
  const value: unknown = valueFromAST(argumentNode.value, definition.type, variableValues);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function hasPageSizeArgument(field: GraphQLField<unknown, unknown> | undefined): boolean {
  return field?.args.some((argument) => (PAGE_SIZE_ARGUMENTS as readonly string[]).includes(argument.name)) ?? false;
}

function listSize(
  node: FieldNode,
  field: GraphQLField<unknown, unknown>,
  variableValues: Record<string, unknown>,
  defaultListSize: number,
): number {
  for (const argumentName of PAGE_SIZE_ARGUMENTS) {
    const supplied = suppliedNumber(node, field, argumentName, variableValues);
    if (supplied !== undefined) return Math.max(0, supplied);
  }
  for (const argumentName of PAGE_SIZE_ARGUMENTS) {
    const schemaDefault = field.args.find((argument) => argument.name === argumentName)?.defaultValue;
    if (typeof schemaDefault === 'number' && Number.isFinite(schemaDefault)) return Math.max(0, schemaDefault);
  }
  return defaultListSize;
}
