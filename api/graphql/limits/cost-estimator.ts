import {
  getNullableType,
  isListType,
  Kind,
  TypeNameMetaFieldDef,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type SelectionSetNode,
} from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { fieldWeight } from './field-cost.js';

// Arguments that bound how many items a list field returns.
const PAGE_SIZE_ARGUMENTS = ['first', 'limit'] as const;
// List fields of a connection type, sized by the connection field's own `first`.
const CONNECTION_LISTS = new Set(['edges', 'nodes']);

/** An `edges`/`nodes` list measured at its own size, waiting for its connection field to resize it. */
interface ConnectionList {
  node: FieldNode;
  itemCost: number;
  size: number;
}

/**
 * The cost rule for graphql-query-complexity's getComplexity:
 * cost(field) = weight + multiplier * childComplexity, weight from field-cost.ts, multiplier the
 * list size (`first`/`limit` supplied, else its schema default, else defaultListSize; 1 for
 * non-lists), `__typename` free. A connection's `edges`/`nodes` are sized by the connection
 * field's page size.
 *
 * Estimators only see their own field, so the connection rule is carried across calls: the
 * library computes a field's childComplexity (running the children's estimators) just before
 * calling its estimator, so a list recorded here is settled by the very next estimator call whose
 * direct selections contain it. One estimator per getComplexity call (it holds that state).
 */
export function createCostEstimator(
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  defaultListSize: number,
): ComplexityEstimator {
  let unsettled: ConnectionList[] = [];
  return ({ field, node, args, childComplexity }) => {
    if (field.name === TypeNameMetaFieldDef.name) return 0;
    const children = unsettled.length > 0 ? directFieldNodes(node.selectionSet, fragments) : undefined;
    const lists = children ? unsettled.filter((list) => children.has(list.node)) : [];
    if (lists.length > 0) unsettled = unsettled.filter((list) => !lists.includes(list));

    const isList = isListType(getNullableType(field.type));
    const size = listSize(node, field, args, defaultListSize);
    let cost = fieldWeight(field) + (isList ? size : 1) * childComplexity;
    if (!isList && hasPageSizeArgument(field)) {
      for (const list of lists) cost += (size - list.size) * list.itemCost;
    }
    if (isList && CONNECTION_LISTS.has(field.name) && !hasPageSizeArgument(field)) {
      unsettled.push({ node, itemCost: childComplexity, size });
    }
    return cost;
  };
}

function hasPageSizeArgument(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((argument) => (PAGE_SIZE_ARGUMENTS as readonly string[]).includes(argument.name));
}

// A page-size argument written in the query wins over one that only has a schema default.
function listSize(node: FieldNode, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, defaultListSize: number): number {
  const written = PAGE_SIZE_ARGUMENTS.filter((name) => node.arguments?.some((argument) => argument.name.value === name));
  const declared = PAGE_SIZE_ARGUMENTS.filter((name) => field.args.some((argument) => argument.name === name));
  for (const name of [...written, ...declared]) {
    const value = args[name];
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
  }
  // An explicit `first: null` leaves the page at the schema default.
  for (const name of declared) {
    const schemaDefault = field.args.find((argument) => argument.name === name)?.defaultValue;
    if (typeof schemaDefault === 'number' && Number.isFinite(schemaDefault)) return Math.max(0, schemaDefault);
  }
  return defaultListSize;
}

/** The field nodes selected directly under a field, looking through inline fragments and spreads. */
function directFieldNodes(
  selectionSet: SelectionSetNode | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  found = new Set<FieldNode>(),
  spread = new Set<string>(),
): Set<FieldNode> {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      found.add(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      directFieldNodes(selection.selectionSet, fragments, found, spread);
    } else if (!spread.has(selection.name.value)) {
      spread.add(selection.name.value);
      directFieldNodes(fragments.get(selection.name.value)?.selectionSet, fragments, found, spread);
    }
  }
  return found;
}
