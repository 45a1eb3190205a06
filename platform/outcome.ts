/**
 * Expected outcomes of domain operations, returned as values. Only the edges
 * (GraphQL, HTTP) turn a Problem into an error code, through one exhaustive
 * mapping each.
 */
export type Problem =
  | { readonly kind: 'not-found'; readonly entity: string }
  | { readonly kind: 'invalid-input'; readonly path: readonly (string | number)[]; readonly message: string }
  | { readonly kind: 'forbidden'; readonly message: string }
  | { readonly kind: 'credits-exhausted'; readonly balance: number; readonly required: number }
  | {
      readonly kind: 'unavailable';
      readonly message: string;
      /** Asking again later may answer (a timeout, a 429 or 5xx, SERVFAIL); false when only a change on our side would. */
      readonly retryable: boolean;
      /** When the outside party said to ask again (`Retry-After`). */
      readonly retryAfterMs?: number;
      /** How it failed to answer, for callers that treat one way apart (a sync waits out a rate limit itself). */
      readonly cause?: UnavailableCause;
    };

/**
 * How an outside party (a registry, a resolver, a vendor) gave no usable
 * answer: it slowed us down, was too slow, was down or failing, answered
 * something unreadable, turned the request down, or was never asked because
 * the outbound guard refused the address.
 */
export type UnavailableCause = 'rate-limited' | 'timeout' | 'unavailable' | 'malformed' | 'rejected' | 'refused';

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failure = <T = never>(problem: Problem): Outcome<T> => ({ ok: false, problem });

export const notFound = (entity: string): Problem => ({ kind: 'not-found', entity });
export const invalidInput = (path: readonly (string | number)[], message: string): Problem => ({
  kind: 'invalid-input',
  path,
  message,
});

/** An outside party gave no usable answer; `retryAfterMs` only when it said when to ask again. */
export const unavailable = (
  message: string,
  options: { readonly retryable: boolean; readonly retryAfterMs?: number | undefined; readonly cause?: UnavailableCause },
): Problem => ({
  kind: 'unavailable',
  message,
  retryable: options.retryable,
  ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
  ...(options.cause === undefined ? {} : { cause: options.cause }),
});

/** A problem in words, for a log line or another problem's message. */
export const problemText = (problem: Problem): string => ('message' in problem ? problem.message : problem.kind);

/** As problemText, with an invalid input's path in front (`all.0.value: must be a number`), for a stored value that no longer parses. */
export const problemTextWithPath = (problem: Problem): string =>
  problem.kind === 'invalid-input' && problem.path.length > 0 ? `${problem.path.join('.')}: ${problem.message}` : problemText(problem);
