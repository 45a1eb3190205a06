/**
 * Brings a tenant's schema to the newest tenant migration, making it if need
 * be; returns the names of the migrations it applied (none when up to date).
 * DDL across schemas is the data layer's (schema/migrator.ts): the
 * composition root hands this in, so tenancy never holds the root pool.
 */
export type MigrateTenantSchema = (schema: string) => Promise<readonly string[]>;
