/** JSON columns read back as the shapes this module wrote into them. */
import type { TenantRows } from '../../schema/tables/tables.js';

type Json = TenantRows.JsonValue;

/** A JSON object's members; anything else (never written) reads as empty. */
export function objectOf(value: Json | null | undefined): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/** A map of numbers (prices by provider id): members that are not numbers are left out. */
export function numbersOf(value: Json | null | undefined): Readonly<Record<string, number>> {
  return Object.fromEntries(Object.entries(objectOf(value)).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}
