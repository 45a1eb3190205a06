import { describe, expect, inject, it } from 'vitest';
import { generateTableTypes } from '../../../schema/tables/generate-table-types.js';

describe('schema/tables: the row types generated from the migrations', () => {
  it('are what the migrations make today (else: npm run db:types, and commit the result)', async () => {
    // kysely-codegen --verify exits non-zero, naming the difference, when a committed file is stale.
    await expect(generateTableTypes({ serverUrl: inject('databaseUrl'), verify: true })).resolves.toBeUndefined();
  }, 120_000);
});
