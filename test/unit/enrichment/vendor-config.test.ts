import { describe, expect, it } from 'vitest';
import {
  extractVendorFields,
  noMatchIndicated,
  parseJsonPath,
  parseVendorConfig,
  readJsonPath,
  renderVendorPoll,
  renderVendorRequest,
  resolveJobUrl,
  subjectAccepted,
  type VendorConfig,
  type VendorConfigOptions,
} from '../../../intelligence/enrichment/vendor-config.js';

const KEY = 'sk_test_0123456789';

const clearbitLike = () => ({
  id: 'clearbit',
  name: 'Clearbit Company',
  endpoint: 'https://company.example-vendor.com/v2/companies/find',
  method: 'GET',
  auth: { kind: 'bearer' },
  request: { query: { domain: '{{domain}}' } },
  accepts: ['domain'],
  mode: 'sync',
  mapping: [
    { field: 'company.name', path: 'name', confidence: 0.9, verified: true, type: 'string' },
    { field: 'company.employees', path: 'data.company.metrics.employees', confidence: 0.8, verified: false, type: 'number' },
    { field: 'company.employees', path: 'metrics.employees', confidence: 0.7, verified: false, type: 'number' },
    { field: 'company.public', path: 'public', confidence: 0.9, verified: true, type: 'boolean' },
    { field: 'company.tech', path: 'tech', confidence: 0.6, verified: false, type: 'string[]' },
    { field: 'person.email', path: 'people[0].email', confidence: 0.5, verified: false, type: 'string' },
    { field: 'company.raw', path: 'category', confidence: 0.5, verified: false },
  ],
  priceCredits: 5,
  rateLimitPerMinute: 600,
  concurrency: 4,
});

type Input = ReturnType<typeof clearbitLike>;

function configOf(change: (input: Input) => unknown = (input) => input, opts: VendorConfigOptions = {}): VendorConfig {
  const parsed = parseVendorConfig(change(clearbitLike()), opts);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problem));
  return parsed.value;
}

function problemOf(change: (input: Input) => unknown, opts: VendorConfigOptions = {}) {
  const parsed = parseVendorConfig(change(clearbitLike()), opts);
  if (parsed.ok) throw new Error('expected the configuration to be refused');
  if (parsed.problem.kind !== 'invalid-input') throw new Error(`expected invalid input, got ${parsed.problem.kind}`);
  return { path: parsed.problem.path, message: parsed.problem.message };
}

describe('validating a vendor configuration', () => {
  it('accepts a complete configuration and defaults an absent request template', () => {
    const config = configOf();
    expect(config.id).toBe('clearbit');
    expect(configOf(({ request: _request, ...rest }) => rest).request).toEqual({});
  });

  it('refuses what is not an object at all, as a value rather than an exception', () => {
    expect(parseVendorConfig(null)).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: [] } });
    expect(parseVendorConfig('clearbit')).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: [] } });
  });

  it('names the node under where the configuration sits in the request', () => {
    const http = { ...clearbitLike(), endpoint: 'http://127.0.0.1:8080/find' };
    expect(parseVendorConfig(http, {}, ['input', 'config'])).toEqual({
      ok: false,
      problem: { kind: 'invalid-input', path: ['input', 'config', 'endpoint'], message: 'must be an https URL' },
    });
  });

  it('takes http only when the deployment allows it, and never in production', () => {
    const http = (input: Input) => ({ ...input, endpoint: 'http://127.0.0.1:8080/find' });
    expect(problemOf(http)).toEqual({ path: ['endpoint'], message: 'must be an https URL' });
    expect(configOf(http, { allowInsecureHttp: true }).endpoint).toBe('http://127.0.0.1:8080/find');
    expect(problemOf(http, { allowInsecureHttp: true, production: true }).path).toEqual(['endpoint']);
    expect(problemOf((input) => ({ ...input, endpoint: 'ftp://vendor.example/find' }), { allowInsecureHttp: true }).path).toEqual(['endpoint']);
    expect(problemOf((input) => ({ ...input, endpoint: 'https://user:pw@vendor.example/find' })).message).toMatch(/credentials/);
    expect(problemOf((input) => ({ ...input, endpoint: 'vendor.example/find' })).path).toEqual(['endpoint']);
  });

  it('refuses an endpoint on an internal address literal or localhost unless the deployment allows local targets', () => {
    for (const endpoint of ['https://169.254.169.254/find', 'https://[64:ff9b::a9fe:a9fe]/find', 'https://[::ffff:10.0.0.1]/find', 'https://localhost/find']) {
      expect(problemOf((input) => ({ ...input, endpoint }))).toEqual({ path: ['endpoint'], message: 'must not be a private, loopback, link-local or reserved address' });
      expect(configOf((input) => ({ ...input, endpoint }), { allowInsecureHttp: true }).endpoint).toBe(endpoint);
    }
    expect(configOf((input) => ({ ...input, endpoint: 'https://[2606:4700::1111]/find' })).endpoint).toBe('https://[2606:4700::1111]/find');
  });

  it.each<[string, (input: Input) => unknown, (string | number)[]]>([
    ['an id that is not a slug', (i) => ({ ...i, id: 'Clear Bit' }), ['id']],
    ['an unknown method', (i) => ({ ...i, method: 'PUT' }), ['method']],
    ['a malformed JSON path', (i) => ({ ...i, mapping: [i.mapping[0], { ...i.mapping[1], path: 'data..company' }] }), ['mapping', 1, 'path']],
    ['a confidence above 1', (i) => ({ ...i, mapping: [{ ...i.mapping[0], confidence: 1.5 }] }), ['mapping', 0, 'confidence']],
    ['a field that is not dotted', (i) => ({ ...i, mapping: [{ ...i.mapping[0], field: 'Company Name' }] }), ['mapping', 0, 'field']],
    ['an unknown type', (i) => ({ ...i, mapping: [{ ...i.mapping[0], type: 'date' }] }), ['mapping', 0, 'type']],
    ['an unknown key', (i) => ({ ...i, mapping: [{ ...i.mapping[0], selector: 'name' }] }), ['mapping', 0, 'selector']],
    ['an empty mapping', (i) => ({ ...i, mapping: [] }), ['mapping']],
    ['an unknown placeholder', (i) => ({ ...i, request: { query: { q: '{{phone}}' } } }), ['request', 'query', 'q']],
    ['a body on a GET', (i) => ({ ...i, request: { body: { email: '{{email}}' } } }), ['request', 'body']],
    [
      'an unknown placeholder deep in a body',
      (i) => ({ ...i, method: 'POST', request: { body: { people: [{ email: '{{email}}' }, { phone: '{{phone}}' }] } } }),
      ['request', 'body', 'people', 1, 'phone'],
    ],
    ['a header key without a name', (i) => ({ ...i, auth: { kind: 'header' } }), ['auth', 'name']],
    ['a header key named Host', (i) => ({ ...i, auth: { kind: 'header', name: 'Host' } }), ['auth', 'name']],
    [
      'a query parameter where the key goes',
      (i) => ({ ...i, auth: { kind: 'query', name: 'api_key' }, request: { query: { api_key: '{{email}}' } } }),
      ['request', 'query', 'api_key'],
    ],
    ['no subject field', (i) => ({ ...i, accepts: [] }), ['accepts']],
    ['an unknown subject field', (i) => ({ ...i, accepts: ['phone'] }), ['accepts', 0]],
    ['async without a poll', (i) => ({ ...i, mode: 'async' }), ['poll']],
    [
      'a body-field poll without a field',
      (i) => ({ ...i, mode: 'async', poll: { urlFrom: 'body-field', intervalMs: 500, maxWaitMs: 10_000 } }),
      ['poll', 'field'],
    ],
    [
      'a job URL on another host',
      (i) => ({
        ...i,
        mode: 'async',
        poll: { urlFrom: 'body-field', field: 'job.id', jobUrl: 'https://elsewhere.example/jobs/{{job}}', intervalMs: 500, maxWaitMs: 10_000 },
      }),
      ['poll', 'jobUrl'],
    ],
    ['a 5xx as no-match', (i) => ({ ...i, noMatchWhen: { status: [500] } }), ['noMatchWhen', 'status', 0]],
    ['401 as no-match', (i) => ({ ...i, noMatchWhen: { status: [422, 401] } }), ['noMatchWhen', 'status', 1]],
    ['a negative price', (i) => ({ ...i, priceCredits: -1 }), ['priceCredits']],
    ['a fractional price', (i) => ({ ...i, priceCredits: 1.5 }), ['priceCredits']],
    ['no concurrency', (i) => ({ ...i, concurrency: 0 }), ['concurrency']],
  ])('refuses %s and names the node', (_, change, path) => {
    const problem = problemOf(change);
    expect(problem.path).toEqual(path);
    expect(problem.message).not.toBe('');
  });
});

describe('rendering the request', () => {
  it('URL-encodes placeholders, so an email cannot add query parameters', () => {
    const config = configOf((i) => ({ ...i, request: { query: { email: '{{email}}', domain: '{{domain}}' } }, accepts: ['email'] }));
    const email = 'ann@acme.com&api_key=stolen&domain=evil.example#fragment';
    const request = renderVendorRequest(config, { email, domain: 'acme.com' }, KEY);
    const url = new URL(request.url);
    expect(url.origin + url.pathname).toBe('https://company.example-vendor.com/v2/companies/find');
    expect(url.searchParams.get('email')).toBe(email);
    expect(url.searchParams.getAll('domain')).toEqual(['acme.com']);
    expect(url.searchParams.has('api_key')).toBe(false);
    expect(url.hash).toBe('');
    expect(request).toMatchObject({ method: 'GET', headers: { accept: 'application/json', authorization: `Bearer ${KEY}` } });
    expect(request.body).toBeUndefined();
  });

  it('leaves out a parameter whose value the subject lacks, and keeps the endpoint query', () => {
    const config = configOf((i) => ({
      ...i,
      endpoint: 'https://vendor.example/find?version=2',
      request: { query: { domain: '{{domain}}', q: '{{name}} at {{domain}}' } },
    }));
    expect(new URL(renderVendorRequest(config, { domain: 'acme.com' }, KEY).url).search).toBe('?version=2&domain=acme.com');
    expect(new URL(renderVendorRequest(config, { domain: 'acme.com', name: 'Ann Lee' }, KEY).url).searchParams.get('q')).toBe('Ann Lee at acme.com');
  });

  it('puts the key in the query, where a template cannot replace it', () => {
    const config = configOf((i) => ({ ...i, auth: { kind: 'query', name: 'api_key' }, request: { query: { email: '{{email}}' } } }));
    const request = renderVendorRequest(config, { domain: 'acme.com', email: 'x@y.com&api_key=mine' }, KEY);
    expect(new URL(request.url).searchParams.getAll('api_key')).toEqual([KEY]);
    expect(request.headers['authorization']).toBeUndefined();
  });

  it('puts the key in a named header', () => {
    const config = configOf((i) => ({ ...i, auth: { kind: 'header', name: 'X-Api-Key' } }));
    expect(renderVendorRequest(config, { domain: 'acme.com' }, KEY).headers).toEqual({ accept: 'application/json', 'x-api-key': KEY });
  });

  it('renders a JSON body through JSON, so quotes in a value stay inside their string', () => {
    const config = configOf((i) => ({
      ...i,
      method: 'POST',
      accepts: ['email'],
      request: { body: { lookup: { email: '{{email}}', company: '{{domain}}', tags: ['lead', '{{name}}'] }, limit: 1 } },
    }));
    const email = 'ann"},"admin":true,"x":{"y@acme.com';
    const request = renderVendorRequest(config, { email }, KEY);
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body ?? '')).toEqual({ lookup: { email, tags: ['lead'] }, limit: 1 });
  });

  it('authorizes the poll of a job like the request', () => {
    const config = configOf((i) => ({ ...i, auth: { kind: 'query', name: 'key' } }));
    const poll = renderVendorPoll(config, 'https://company.example-vendor.com/v2/jobs/7', KEY);
    expect(poll).toEqual({ url: `https://company.example-vendor.com/v2/jobs/7?key=${KEY}`, method: 'GET', headers: { accept: 'application/json' } });
  });

  it('follows a job only on the endpoint origin', () => {
    const async = (jobUrl?: string) =>
      configOf((i) => ({ ...i, mode: 'async', poll: { urlFrom: 'location-header', intervalMs: 500, maxWaitMs: 10_000, ...(jobUrl ? { jobUrl } : {}) } }));
    expect(resolveJobUrl(async(), '/v2/jobs/42')).toBe('https://company.example-vendor.com/v2/jobs/42');
    expect(resolveJobUrl(async(), 'https://company.example-vendor.com/v2/jobs/42')).toBe('https://company.example-vendor.com/v2/jobs/42');
    expect(resolveJobUrl(async(), 'https://attacker.example/collect')).toBeUndefined();
    expect(resolveJobUrl(async(), '//attacker.example/collect')).toBeUndefined();
    expect(resolveJobUrl(async('/v2/jobs/{{job}}'), 'a/../b?c')).toBe('https://company.example-vendor.com/v2/jobs/a%2F..%2Fb%3Fc');
  });

  it('accepts a subject only with every required field', () => {
    const config = configOf((i) => ({ ...i, accepts: ['email', 'domain'] }));
    expect(subjectAccepted(config, { email: 'a@acme.com', domain: 'acme.com' })).toBe(true);
    expect(subjectAccepted(config, { email: 'a@acme.com' })).toBe(false);
    expect(subjectAccepted(config, { email: 'a@acme.com', domain: ' ' })).toBe(false);
  });
});

describe('JSON paths', () => {
  it('parses dotted keys and indexes, and refuses the rest', () => {
    expect(parseJsonPath('data.company.metrics.employees')).toEqual(['data', 'company', 'metrics', 'employees']);
    expect(parseJsonPath('people[0].email')).toEqual(['people', 0, 'email']);
    expect(parseJsonPath('$.rows[2][1]')).toEqual(['rows', 2, 1]);
    expect(parseJsonPath('[0].id')).toEqual([0, 'id']);
    for (const bad of ['', '.a', 'a.', 'a..b', 'a[x]', 'a[0]b', 'a b', 'a[-1]', '$']) expect(parseJsonPath(bad)).toBeUndefined();
  });

  it('reads own keys only', () => {
    expect(readJsonPath({ a: [{ b: 1 }] }, 'a[0].b')).toBe(1);
    expect(readJsonPath({ a: [] }, 'a[0].b')).toBeUndefined();
    expect(readJsonPath({ a: 'text' }, 'a.length')).toBeUndefined();
    expect(readJsonPath({}, 'constructor')).toBeUndefined();
    expect(readJsonPath({ a: {} }, 'a.__proto__')).toBeUndefined();
  });
});

describe('extracting fields', () => {
  it('maps present values with their confidence, coerced to the declared type', () => {
    const { fields, mismatches } = extractVendorFields(configOf(), {
      name: 1337,
      data: { company: { metrics: { employees: '250' } } },
      public: 'TRUE',
      tech: 'stripe',
      people: [{ email: 'ann@acme.com' }],
      category: { sector: 'Technology' },
    });
    expect(mismatches).toEqual([]);
    expect(fields).toEqual([
      { field: 'company.name', value: '1337', confidence: 0.9, verified: true },
      { field: 'company.employees', value: 250, confidence: 0.8, verified: false },
      { field: 'company.public', value: true, confidence: 0.9, verified: true },
      { field: 'company.tech', value: ['stripe'], confidence: 0.6, verified: false },
      { field: 'person.email', value: 'ann@acme.com', confidence: 0.5, verified: false },
      { field: 'company.raw', value: { sector: 'Technology' }, confidence: 0.5, verified: false },
    ]);
  });

  it('takes a later mapping of a field when the first is absent, and leaves out what is missing, null or empty', () => {
    const { fields, mismatches } = extractVendorFields(configOf(), { name: '', metrics: { employees: 40 }, public: null, tech: [], people: [] });
    expect(mismatches).toEqual([]);
    expect(fields).toEqual([{ field: 'company.employees', value: 40, confidence: 0.7, verified: false }]);
  });

  it('drops values of the wrong type and reports each', () => {
    const { fields, mismatches } = extractVendorFields(configOf(), {
      name: { first: 'Acme' },
      metrics: { employees: 'about 50' },
      public: 'sometimes',
      tech: ['stripe', { name: 'segment' }],
      people: [{ email: 'ann@acme.com' }],
    });
    expect(fields.map((f) => f.field)).toEqual(['person.email']);
    expect(mismatches).toEqual([
      { field: 'company.name', path: 'name', message: 'expected a string, got an object' },
      { field: 'company.employees', path: 'metrics.employees', message: 'expected a number, got "about 50"' },
      { field: 'company.public', path: 'public', message: 'expected a boolean, got "sometimes"' },
      { field: 'company.tech', path: 'tech', message: 'expected a list of strings, got a list' },
    ]);
  });

  it('finds nothing in an answer that is not an object', () => {
    expect(extractVendorFields(configOf(), 'Not found')).toEqual({ fields: [], mismatches: [] });
    expect(extractVendorFields(configOf(), null)).toEqual({ fields: [], mismatches: [] });
  });

  it('reads a no-match flag from the answer', () => {
    const truthy = configOf((i) => ({ ...i, noMatchWhen: { path: 'meta.notFound' } }));
    expect(noMatchIndicated(truthy, { meta: { notFound: true } })).toBe(true);
    expect(noMatchIndicated(truthy, { meta: { notFound: false } })).toBe(false);
    expect(noMatchIndicated(truthy, {})).toBe(false);
    const equals = configOf((i) => ({ ...i, noMatchWhen: { path: 'status', equals: 'not_found' } }));
    expect(noMatchIndicated(equals, { status: 'not_found' })).toBe(true);
    expect(noMatchIndicated(equals, { status: 'found' })).toBe(false);
    expect(noMatchIndicated(configOf(), { status: 'not_found' })).toBe(false);
  });
});
