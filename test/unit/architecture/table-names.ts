/**
 * Every table the migrations make, read from the generated row types (the
 * keys of their `DB` interfaces), so a new table cannot go unowned.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './source-tree.js';

function tablesOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const body = /export interface DB \{([^}]*)\}/.exec(text)?.[1] ?? '';
  return [...body.matchAll(/^\s*(\w+):/gm)].map((match) => match[1] ?? '');
}

export const TABLE_NAMES: readonly string[] = [...tablesOf('schema/tables/tenant-tables.ts'), ...tablesOf('schema/tables/control-tables.ts')];
