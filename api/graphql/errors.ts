import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { QueueFullError } from '../../platform/batching/group-commit.js';
import { isDatabaseUnavailable } from '../../platform/postgres/database-unavailable.js';
import type { Outcome, Problem } from '../../platform/outcome.js';
import { isStatementTimeout } from '../../platform/postgres/statement-timeout.js';

/** The closed set of codes of API.md; every error a client sees carries one. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'CREDITS_EXHAUSTED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL';

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'CREDITS_EXHAUSTED',
  'QUERY_TOO_COMPLEX',
  'INTERNAL',
]);

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** Errors raised before any resolver runs set the HTTP status too. */
export function requestError(
  code: ErrorCode,
  message: string,
  status: number,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { ...extensions, code, http: { status, headers: new Map(Object.entries(headers)) } },
  });
}

/** The one mapping from domain problems to GraphQL errors; exhaustive by construction. */
export function problemError(problem: Problem): GraphQLError {
  switch (problem.kind) {
    case 'not-found':
      return apiError('NOT_FOUND', `${problem.entity} not found`);
    case 'invalid-input':
      return apiError('BAD_USER_INPUT', `${problem.path.join('.')}: ${problem.message}`, {
        argumentPath: problem.path,
      });
    case 'forbidden':
      return apiError('FORBIDDEN', problem.message);
    case 'credits-exhausted':
      return apiError('CREDITS_EXHAUSTED', `not enough credits: ${problem.required} needed, ${problem.balance} left`, {
        balance: problem.balance,
        required: problem.required,
      });
    case 'unavailable':
      // An outside party that said when to ask again is a rate limit the client can wait out; otherwise the failure is ours to own.
      return problem.retryAfterMs === undefined
        ? apiError('INTERNAL', problem.message)
        : apiError('RATE_LIMITED', problem.message, { retryAfter: Math.ceil(problem.retryAfterMs / 1000) });
    default: {
      const unhandled: never = problem;
      throw new Error(`unmapped problem ${JSON.stringify(unhandled)}`);
    }
  }
}

export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw problemError(outcome.problem);
}

/** Apollo's and graphql-js's own codes, in the terms of API.md. */
const FOREIGN_CODES: Readonly<Record<string, ErrorCode>> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
};

/**
 * Gives every outgoing error a code of API.md. Errors without one are bugs:
 * their message stays in the log, the client sees only INTERNAL.
 */
export function createErrorFormatter(log: (message: string, error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && ERROR_CODES.has(code)) return formatted;
    const mapped = typeof code === 'string' ? FOREIGN_CODES[code] : undefined;
    if (mapped !== undefined) return { ...formatted, extensions: { ...formatted.extensions, code: mapped } };
    // Argument coercion failures arrive from graphql-js without a code.
    if (isCoercionError(formatted)) return { ...formatted, extensions: { code: 'BAD_USER_INPUT' } };
    // The operation asked for more database work than one statement may take: the client's to narrow,
    // not a fault of ours; the SQL and PostgreSQL's message stay out of the answer.
    if (isStatementTimeout(error instanceof GraphQLError ? error.originalError : error)) {
      return {
        message: 'the operation took longer than the database allows one statement; ask for less (a smaller page, fewer fields or aliases, a narrower filter)',
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: 'QUERY_TOO_COMPLEX', reason: 'STATEMENT_TIMEOUT' },
      };
    }
    // The tenant's ingestion queue was full (track, identify): nothing was written, send it again shortly.
    const cause = error instanceof GraphQLError ? error.originalError : error;
    if (cause instanceof QueueFullError) {
      return {
        message: 'too many events are waiting to be written; nothing of this call was, send it again shortly',
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: 'RATE_LIMITED', retryAfter: cause.retryAfterSeconds },
      };
    }
    // PostgreSQL cannot be reached (a restart, a failover): nothing of a write was, and the same call will do shortly.
    if (isDatabaseUnavailable(cause)) {
      return {
        message: 'the database cannot be reached now; nothing of this call was written, send it again shortly',
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: 'RATE_LIMITED', retryAfter: 1, reason: 'UNAVAILABLE' },
      };
    }
    log('unexpected error in a GraphQL operation', error);
    return { message: 'Internal error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL' } };
  };
}

function isCoercionError(formatted: GraphQLFormattedError): boolean {
  return /^(Variable "\$|Argument "|Expected value of type|Int cannot represent|Float cannot represent|String cannot represent|Boolean cannot represent|ID cannot represent|Enum ")/.test(
    formatted.message,
  );
}
