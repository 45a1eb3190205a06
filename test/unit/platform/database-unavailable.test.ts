import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../../platform/postgres/database-unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('is true for a database that cannot be reached or is not taking work now', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('08006', 'connection failure'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ])
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it("is false for the request's fault, our code's, and a statement timeout (told apart elsewhere)", () => {
    for (const error of [
      withCode('23505', 'duplicate key value violates unique constraint'),
      withCode('22P02', 'invalid input syntax'),
      withCode('57014', 'canceling statement due to statement timeout'),
      new TypeError('x is undefined'),
      'ECONNREFUSED',
      null,
    ])
      expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });
});
