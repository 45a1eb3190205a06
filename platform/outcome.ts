/**
 * Expected outcomes of domain operations, returned as values. Only the edges
 * (GraphQL, HTTP) turn a Problem into an error code, through one exhaustive
 * mapping each.
 */
export type Problem =
  | { readonly kind: 'not-found'; readonly entity: string }
  | { readonly kind: 'invalid-input'; readonly path: readonly (string | number)[]; readonly message: string }
  | { readonly kind: 'forbidden'; readonly message: string }
  | { readonly kind: 'credits-exhausted'; readonly balance: number; readonly required: number };

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failure = <T = never>(problem: Problem): Outcome<T> => ({ ok: false, problem });

export const notFound = (entity: string): Problem => ({ kind: 'not-found', entity });
export const invalidInput = (path: readonly (string | number)[], message: string): Problem => ({
  kind: 'invalid-input',
  path,
  message,
});
