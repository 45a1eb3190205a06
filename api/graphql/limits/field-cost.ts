import type { GraphQLField } from 'graphql';

/**
 * What one resolution of a field costs in the query cost model, relative to reading a plain
 * field (1). Declared beside the field with type-graphql's `@Extensions(fieldCost(SCAN_COST))`,
 * so a new expensive field carries its weight where it is written.
 */
export interface FieldCostExtension {
  readonly cost: number;
}

/** A scan or aggregate over a tenant's leads (a count, a filtered page with its total). */
export const SCAN_COST = 200;
/** An indexed search or a lookup that reaches beyond one row (by email, by domain, an IP's network). */
export const LOOKUP_COST = 10;

export const fieldCost = (cost: number): FieldCostExtension => ({ cost });

/** The declared weight of a field; 1 when it declares none, declares nonsense, or is unknown. */
export function fieldWeight(field: GraphQLField<unknown, unknown> | undefined): number {
  const cost: unknown = field?.extensions['cost'];
  return typeof cost === 'number' && Number.isInteger(cost) && cost > 0 ? cost : 1;
}
