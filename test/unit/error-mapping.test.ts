import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { createErrorFormatter, problemError } from '../../api/graphql/errors.js';
import { unavailable } from '../../platform/outcome.js';

describe('problems to GraphQL errors', () => {
  it('maps every domain problem to its API.md code', () => {
    expect(problemError({ kind: 'not-found', entity: 'ApiKey' }).extensions['code']).toBe('NOT_FOUND');
    const invalid = problemError({ kind: 'invalid-input', path: ['input', 'scopes', 2], message: 'unknown scope' });
    expect(invalid.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['input', 'scopes', 2] });
    expect(invalid.message).toBe('input.scopes.2: unknown scope');
    expect(problemError({ kind: 'forbidden', message: 'no' }).extensions['code']).toBe('FORBIDDEN');
    const exhausted = problemError({ kind: 'credits-exhausted', balance: 3, required: 5 });
    expect(exhausted.extensions).toMatchObject({ code: 'CREDITS_EXHAUSTED', balance: 3, required: 5 });
  });

  it('maps an outside party that did not answer to RATE_LIMITED when it said when to ask again, else INTERNAL', () => {
    const limited = problemError(unavailable('registry rdap.arin.net rate limited (429)', { retryable: true, retryAfterMs: 2_500, cause: 'rate-limited' }));
    expect(limited.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 3 });
    expect(limited.message).toBe('registry rdap.arin.net rate limited (429)');
    const down = problemError(unavailable('PeeringDB answered 503', { retryable: true, cause: 'unavailable' }));
    expect(down.extensions).toEqual({ code: 'INTERNAL' });
    expect(down.message).toBe('PeeringDB answered 503');
    // The formatter keeps a mapped INTERNAL as it is (a code of the closed set): the client reads why, nothing is logged as a bug.
    const logged: string[] = [];
    expect(createErrorFormatter((message) => logged.push(message))({ message: down.message, extensions: down.extensions }, down)).toEqual({
      message: 'PeeringDB answered 503',
      extensions: { code: 'INTERNAL' },
    });
    expect(logged).toEqual([]);
  });
});

describe('outgoing error formatting', () => {
  const logged: string[] = [];
  const format = createErrorFormatter((message) => logged.push(message));

  it('keeps codes of the closed set and maps Apollo\'s own to BAD_USER_INPUT', () => {
    expect(format({ message: 'x', extensions: { code: 'RATE_LIMITED', retryAfter: 3 } }, undefined).extensions).toEqual({
      code: 'RATE_LIMITED',
      retryAfter: 3,
    });
    expect(format({ message: 'Syntax Error', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, undefined).extensions?.['code']).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('hides the message of an error without a code behind INTERNAL, and logs it', () => {
    const formatted = format({ message: 'connection refused to 10.0.0.5', path: ['tenant'] }, new GraphQLError('boom'));
    expect(formatted).toMatchObject({ message: 'Internal error', extensions: { code: 'INTERNAL' }, path: ['tenant'] });
    expect(logged).toContain('unexpected error in a GraphQL operation');
  });
});
