/**
 * The row types of every table, as PostgreSQL declares them: generated from
 * the migrations by `npm run db:types` (schema/tables/generate-table-types.ts)
 * and checked for drift by the suite. Repositories read and write through
 * these; nothing else declares a row's shape.
 */
export type { DB as TenantTables } from './tenant-tables.js';
export type { DB as ControlTables } from './control-tables.js';
export type * as TenantRows from './tenant-tables.js';
export type * as ControlRows from './control-tables.js';
