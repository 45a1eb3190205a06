import { quoteTenantSchema } from '../../schema/migrations/migration.js';
import type { Sql, SqlValue } from './database.js';

/**
 * The one way raw SQL reaches a tenant's tables: `{t}` in the text becomes
 * the tenant's quoted schema, so a query cannot name another tenant's table
 * by accident, and values travel only as parameters.
 */
export interface TenantSql {
  readonly schema: string;
  query<Row extends object>(text: string, values?: readonly SqlValue[]): Promise<Row[]>;
}

export function tenantSql(sql: Pick<Sql, 'query'>, schema: string): TenantSql {
  const quoted = quoteTenantSchema(schema);
  return {
    schema,
    query: (text, values) => sql.query(text.replaceAll('{t}', quoted), values),
  };
}
