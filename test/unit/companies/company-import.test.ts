import { describe, expect, it } from 'vitest';
import { MAX_IMPORT_ROWS, validateCompanyImport } from '../../../intelligence/companies/company-import.js';

describe('company import validation', () => {
  it('normalises domains and names, and keeps omitted fields as null', () => {
    const valid = validateCompanyImport([{ domain: 'https://www.Initech.com/', name: ' Initech, Inc. ', employees: 250, techStack: ['React', 'React', ' Go '] }]);
    expect(valid).toEqual({
      ok: true,
      value: [
        { domain: 'initech.com', name: 'Initech, Inc.', nameKey: 'initech', industry: null, employees: 250, revenue: null, country: null, techStack: ['React', 'Go'] },
      ],
    });
  });

  it.each([
    [[{ domain: 'acme.com' }, { domain: 'not a domain' }], ['companies', 1, 'domain'], /not a domain/],
    [[{ domain: 'acme.com' }, { domain: 'www.acme.com' }], ['companies', 1, 'domain'], /also companies\[0\]/],
    [[{ domain: 'acme.com', employees: -1 }], ['companies', 0, 'employees'], /whole number/],
    [[{ domain: 'acme.com', employees: 2.5 }], ['companies', 0, 'employees'], /whole number/],
    [[{ domain: 'acme.com', revenue: Number.NaN }], ['companies', 0, 'revenue'], /number/],
    [[{ domain: 'acme.com', name: 'x'.repeat(201) }], ['companies', 0, 'name'], /too long/],
    [[{ domain: 'acme.com', techStack: ['ok', ''] }], ['companies', 0, 'techStack', 1], /1 to 100/],
    [[], ['companies'], /at least one/],
  ])('refuses %j naming %j', (rows, path, message) => {
    const result = validateCompanyImport(rows);
    expect(result).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path, message: expect.stringMatching(message) } });
  });

  it(`takes at most ${MAX_IMPORT_ROWS} rows a call`, () => {
    const rows = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => ({ domain: `c${i}.com` }));
    expect(validateCompanyImport(rows)).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: ['companies'] } });
    expect(validateCompanyImport(rows.slice(1)).ok).toBe(true);
  });
});
