import type { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../outcome.js';

/** Parses untrusted input; the first issue becomes an invalid-input problem with its full path. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  basePath: readonly (string | number)[],
): Outcome<z.infer<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return success(parsed.data);
  const issue = parsed.error.issues[0];
  const path = [...basePath, ...(issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p))];
  return failure(invalidInput(path, issue?.message ?? 'invalid input'));
}
