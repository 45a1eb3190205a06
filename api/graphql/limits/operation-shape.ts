import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface FirstViolation {
  /** Response-key path of the field plus the argument, e.g. `account.leads.first`. */
  path: string;
  value: number;
}

export interface OperationShape {
  depth: number;
  firstViolations: FirstViolation[];
}

export interface ShapeArgs {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variableValues: Record<string, unknown>;
  maxFirst: number;
}

const FIRST_ARGUMENT = 'first';

/**
 * Depth and out-of-range `first` arguments, by hand: graphql-depth-limit (1.1.0) ignores every
 * `__`-prefixed field (so `__schema`/`__type` chains would go unmeasured) and only reports through
 * its own validation error; graphql-query-complexity's estimators see no response path.
 *
 * - depth: deepest field nesting; `__typename` is free, `__schema`/`__type` count like any field;
 *   @skip/@include are ignored, so it is an upper bound.
 * - firstViolations: supplied `first` arguments outside [0, maxFirst], with response-key paths.
 */
export function measureOperationShape(args: ShapeArgs): OperationShape {
  const { schema, operation, fragments, variableValues, maxFirst } = args;
  const firstViolations: FirstViolation[] = [];
  // Each fragment is walked once (depth does not depend on where it is spread), which keeps
  // fragment fan-out linear; fragments on the current path are skipped so cycles terminate.
  const fragmentDepths = new Map<string, number>();
  const fragmentsOnPath = new Set<string>();

  const selectionSetDepth = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined, path: readonly string[]): number => {
    let depth = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        depth = Math.max(depth, fieldDepth(selection, parentType, path));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        depth = Math.max(depth, selectionSetDepth(selection.selectionSet, type ?? undefined, path));
      } else {
        depth = Math.max(depth, fragmentDepth(selection.name.value, path));
      }
    }
    return depth;
  };

  const fragmentDepth = (name: string, path: readonly string[]): number => {
    const known = fragmentDepths.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || fragmentsOnPath.has(name)) return 0;
    fragmentsOnPath.add(name);
    const depth = selectionSetDepth(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, path);
    fragmentsOnPath.delete(name);
    fragmentDepths.set(name, depth);
    return depth;
  };

  const fieldDepth = (node: FieldNode, parentType: GraphQLNamedType | undefined, path: readonly string[]): number => {
    const name = node.name.value;
    if (name === '__typename') return 0;
    const field = fieldDefinition(schema, parentType, name);
    const fieldPath = [...path, node.alias?.value ?? name];
    const first = suppliedFirst(node, field, variableValues);
    if (first !== undefined && (first < 0 || first > maxFirst)) {
      firstViolations.push({ path: [...fieldPath, FIRST_ARGUMENT].join('.'), value: first });
    }
    const childType = field ? getNamedType(field.type) : undefined;
    return 1 + (node.selectionSet ? selectionSetDepth(node.selectionSet, childType, fieldPath) : 0);
  };

  const rootType = schema.getRootType(operation.operation) ?? undefined;
  return { depth: selectionSetDepth(operation.selectionSet, rootType, []), firstViolations };
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

/** The `first` argument as written in the query (literal or variable), if it is a finite number. */
function suppliedFirst(
  node: FieldNode,
  field: GraphQLField<unknown, unknown> | undefined,
  variableValues: Record<string, unknown>,
): number | undefined {
  const argumentNode = node.arguments?.find((argument) => argument.name.value === FIRST_ARGUMENT);
  const definition = field?.args.find((argument) => argument.name === FIRST_ARGUMENT);
  if (!argumentNode || !definition) return undefined;
  const value: unknown = valueFromAST(argumentNode.value, definition.type, variableValues);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
