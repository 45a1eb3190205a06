/**
 * A tenant's HTTP enrichment vendor, as configuration: where to call, where the
 * key goes, what to send and how to read the answer. Pure: validation, request
 * rendering and field extraction; the provider does the I/O.
 */
import { isIpLiteral, isLocalName, isPublicUnicast } from '../../platform/outbound/address-policy.js';
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { EnrichmentSubject, FieldCandidate } from './enrichment-types.js';

export const SUBJECT_FIELDS = ['email', 'domain', 'ip', 'name'] as const;
export type SubjectField = (typeof SUBJECT_FIELDS)[number];

type PathSegment = string | number;

/**
 * `data.company.name`, `people[0].email`, `[0].id`; an optional JSONPath-style `$.` root.
 * Kept by hand rather than jsonpath-plus: the paths come from any tenant
 * (strangers register vendors), and this 20-line subset of keys and indexes
 * is all a mapping needs, where the library's full language evaluates filter
 * scripts (its CVE-2024-21534 was remote code execution through them).
 */
export function parseJsonPath(text: string): PathSegment[] | undefined {
  const body = text.startsWith('$') ? text.slice(1).replace(/^\./, '') : text;
  const token = /\.?([A-Za-z_][\w-]*)|\[(\d{1,6})\]/y;
  const segments: PathSegment[] = [];
  let at = 0;
  while (at < body.length) {
    token.lastIndex = at;
    const match = token.exec(body);
    if (match === null) return undefined;
    if (match[1] !== undefined) {
      // A key follows a dot, except the first.
      if ((body[at] === '.') !== (at > 0)) return undefined;
      segments.push(match[1]);
    } else {
      segments.push(Number(match[2]));
    }
    at = token.lastIndex;
  }
  return segments.length > 0 ? segments : undefined;
}

/** The value at a path, or undefined when any step is missing; only own keys, so `constructor` finds nothing. */
export function readJsonPath(json: unknown, path: string): unknown {
  let node = json;
  for (const segment of parseJsonPath(path) ?? []) {
    if (typeof segment === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[segment];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, segment)) return undefined;
      node = (node as Record<string, unknown>)[segment];
    }
  }
  return node;
}

// Four names filled into a URL, a header or a JSON string: a template library would add HTML escaping
// (wrong for all three) and a language (sections, partials) a tenant's template must not have.
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const isSubjectField = (name: string): name is SubjectField => (SUBJECT_FIELDS as readonly string[]).includes(name);

function placeholderProblem(template: string): string | undefined {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!isSubjectField(name ?? '')) return `{{${name}}} is not a placeholder; use one of ${SUBJECT_FIELDS.map((f) => `{{${f}}}`).join(', ')}`;
  }
  return undefined;
}

const slug = z.string().max(40).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a slug of lower-case letters, digits and dashes');
const jsonPath = z.string().max(200).refine((p) => parseJsonPath(p) !== undefined, 'must be a path like data.company.name or people[0].email');
const template = z.string().max(500).superRefine((text, ctx) => {
  const problem = placeholderProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'accept', 'cookie']);
// Statuses with a meaning of their own; and never 5xx, or an outage would mark every lead as unknown to the vendor.
const RESERVED_STATUSES = new Set([200, 202, 401, 403, 429]);

const auth = z
  .object({ kind: z.enum(['bearer', 'header', 'query']), name: z.string().min(1).max(64).optional() })
  .strict()
  .superRefine((a, ctx) => {
    if (a.kind === 'bearer') return;
    if (a.name === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: `is required when the key goes in a ${a.kind}` });
    else if (!HEADER_NAME.test(a.name)) ctx.addIssue({ code: 'custom', path: ['name'], message: 'must be a token of letters, digits and -_.' });
    else if (a.kind === 'header' && RESERVED_HEADERS.has(a.name.toLowerCase())) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'is a header the request sets itself' });
    }
  });

const poll = z
  .object({
    urlFrom: z.enum(['location-header', 'body-field']),
    field: jsonPath.optional(),
    /** For vendors that answer a job id rather than a URL: `https://api.vendor.com/jobs/{{job}}`. */
    jobUrl: z.string().max(2000).optional(),
    intervalMs: z.number().int().min(100).max(60_000),
    maxWaitMs: z.number().int().min(1_000).max(300_000),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.urlFrom === 'body-field' && p.field === undefined) {
      ctx.addIssue({ code: 'custom', path: ['field'], message: 'is required when the job comes from the body' });
    }
    if (p.jobUrl !== undefined && !p.jobUrl.includes('{{job}}')) ctx.addIssue({ code: 'custom', path: ['jobUrl'], message: 'must contain {{job}}' });
    if (p.maxWaitMs < p.intervalMs) ctx.addIssue({ code: 'custom', path: ['maxWaitMs'], message: 'must be at least intervalMs' });
  });

const mappingEntry = z
  .object({
    field: z.string().max(100).regex(/^[a-z][A-Za-z0-9_]*(?:\.[a-z][A-Za-z0-9_]*)*$/, 'must be a dotted field like company.employees'),
    path: jsonPath,
    confidence: z.number().min(0).max(1),
    verified: z.boolean(),
    type: z.enum(['string', 'number', 'boolean', 'string[]']).optional(),
  })
  .strict();

const noMatchWhen = z
  .object({
    status: z
      .array(z.number().int().min(200).max(499).refine((s) => !RESERVED_STATUSES.has(s), 'is a status with its own meaning'))
      .max(20)
      .optional(),
    /** No match when the value here is truthy, or equals `equals` when given. */
    path: jsonPath.optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.equals !== undefined && n.path === undefined) ctx.addIssue({ code: 'custom', path: ['equals'], message: 'needs a path' });
  });

export interface VendorConfigOptions {
  /**
   * The deployment's switch for local and test vendors (ALLOW_LOCAL_OUTBOUND), never a tenant's:
   * plain http and internal address literals. The outbound client enforces the same where it connects.
   */
  readonly allowInsecureHttp?: boolean;
  readonly production?: boolean;
}

function endpointProblem(text: string, opts: VendorConfigOptions): string | undefined {
  if (!URL.canParse(text)) return 'must be an absolute https URL';
  const url = new URL(text);
  const httpAllowed = opts.allowInsecureHttp === true && opts.production !== true;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) return 'must be an https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials; the key goes in auth';
  if (!httpAllowed && (isLocalName(url.hostname) || (isIpLiteral(url.hostname) && !isPublicUnicast(url.hostname)))) {
    return 'must not be a private, loopback, link-local or reserved address';
  }
  if (url.hash !== '') return 'must not have a fragment';
  return undefined;
}

/** Walks a JSON body template, reporting the first unknown placeholder with its path. */
function bodyProblem(node: unknown, path: PathSegment[]): { path: PathSegment[]; message: string } | undefined {
  if (typeof node === 'string') {
    const message = placeholderProblem(node);
    return message === undefined ? undefined : { path, message };
  }
  if (node === null || typeof node !== 'object') return undefined;
  for (const [key, child] of Array.isArray(node) ? node.entries() : Object.entries(node)) {
    const problem = bodyProblem(child, [...path, key]);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export function vendorConfigSchema(opts: VendorConfigOptions = {}) {
  return z
    .object({
      id: slug,
      name: z.string().trim().min(1).max(80),
      endpoint: z
        .string()
        .max(2000)
        .superRefine((text, ctx) => {
          const problem = endpointProblem(text, opts);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        }),
      method: z.enum(['GET', 'POST']),
      auth,
      request: z
        .object({ query: z.record(z.string().min(1).max(100), template).optional(), body: z.json().optional() })
        .strict()
        .default({}),
      accepts: z.array(z.enum(SUBJECT_FIELDS)).min(1).max(SUBJECT_FIELDS.length),
      mode: z.enum(['sync', 'async']),
      poll: poll.optional(),
      mapping: z.array(mappingEntry).min(1).max(200),
      noMatchWhen: noMatchWhen.optional(),
      priceCredits: z.number().int().min(0).max(1_000_000),
      rateLimitPerMinute: z.number().int().min(1).max(100_000),
      concurrency: z.number().int().min(1).max(100),
    })
    .strict()
    .superRefine((c, ctx) => {
      const issue = (path: PathSegment[], message: string) => ctx.addIssue({ code: 'custom', path, message });
      if (c.mode === 'async' && c.poll === undefined) issue(['poll'], 'is required in async mode');
      if (c.mode === 'sync' && c.poll !== undefined) issue(['poll'], 'is only used in async mode');
      if (c.method === 'GET' && c.request.body !== undefined) issue(['request', 'body'], 'a GET request carries no body; use query');
      const body = c.request.body === undefined ? undefined : bodyProblem(c.request.body, ['request', 'body']);
      if (body !== undefined) issue(body.path, body.message);
      if (c.auth.kind === 'query' && c.auth.name !== undefined && c.request.query?.[c.auth.name] !== undefined) {
        issue(['request', 'query', c.auth.name], 'is where the API key goes');
      }
      if (c.poll?.jobUrl !== undefined && endpointProblem(c.endpoint, opts) === undefined) {
        const url = URL.parse(c.poll.jobUrl.replaceAll('{{job}}', 'job'), c.endpoint);
        if (url?.origin !== new URL(c.endpoint).origin) issue(['poll', 'jobUrl'], "must be on the endpoint's origin");
      }
    });
}

export type VendorConfig = z.output<ReturnType<typeof vendorConfigSchema>>;

/**
 * Parses a tenant's vendor configuration; the first problem names the node it
 * is about, under `basePath` (where the configuration sits in the request).
 */
export function parseVendorConfig(input: unknown, opts: VendorConfigOptions = {}, basePath: readonly PathSegment[] = []): Outcome<VendorConfig> {
  const parsed = vendorConfigSchema(opts).safeParse(input);
  if (parsed.success) return success(parsed.data);
  const issue = parsed.error.issues[0];
  const path = [...basePath, ...(issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p))];
  if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return failure(invalidInput(path, issue?.message ?? 'invalid vendor configuration'));
}

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

export function subjectAccepted(config: VendorConfig, subject: EnrichmentSubject): boolean {
  return config.accepts.every((field) => present(subject[field]));
}

/** A template with the subject's values; undefined when it names a value the subject lacks, so the parameter is left out. */
function renderTemplate(text: string, subject: EnrichmentSubject): string | undefined {
  let missing = false;
  const rendered = text.replace(PLACEHOLDER, (_, name: string) => {
    const value = isSubjectField(name) ? subject[name] : undefined;
    if (!present(value)) missing = true;
    return value ?? '';
  });
  return missing ? undefined : rendered;
}

function renderJson(node: unknown, subject: EnrichmentSubject): unknown {
  if (typeof node === 'string') return renderTemplate(node, subject);
  if (Array.isArray(node)) return node.map((child) => renderJson(child, subject)).filter((child) => child !== undefined);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .map(([key, child]) => [key, renderJson(child, subject)] as const)
      .filter(([, child]) => child !== undefined),
  );
}

export interface VendorRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

function authorize(config: VendorConfig, url: URL, headers: Record<string, string>, apiKey: string): void {
  const name = config.auth.name ?? '';
  switch (config.auth.kind) {
    case 'bearer':
      headers['authorization'] = `Bearer ${apiKey}`;
      return;
    case 'header':
      headers[name.toLowerCase()] = apiKey;
      return;
    case 'query':
      url.searchParams.set(name, apiKey);
      return;
  }
}

/** Values go through URLSearchParams and JSON.stringify, so an email cannot add parameters or body keys. */
export function renderVendorRequest(config: VendorConfig, subject: EnrichmentSubject, apiKey: string): VendorRequest {
  const url = new URL(config.endpoint);
  for (const [name, text] of Object.entries(config.request.query ?? {})) {
    const value = renderTemplate(text, subject);
    if (value !== undefined) url.searchParams.set(name, value);
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  const body = config.request.body === undefined ? undefined : JSON.stringify(renderJson(config.request.body, subject));
  if (body !== undefined) headers['content-type'] = 'application/json';
  authorize(config, url, headers, apiKey);
  return { url: url.toString(), method: config.method, headers, ...(body === undefined ? {} : { body }) };
}

/** The poll of an async job, authorized as the first request. */
export function renderVendorPoll(config: VendorConfig, jobUrl: string, apiKey: string): VendorRequest {
  const url = new URL(jobUrl);
  const headers: Record<string, string> = { accept: 'application/json' };
  authorize(config, url, headers, apiKey);
  return { url: url.toString(), method: 'GET', headers };
}

/**
 * The URL of an async job from a Location header or a body field: a URL
 * relative to the endpoint, or an id for `poll.jobUrl`. Undefined when it leaves
 * the endpoint's origin, which would hand the tenant's key to another host.
 */
export function resolveJobUrl(config: VendorConfig, reference: string): string | undefined {
  const jobUrl = config.poll?.jobUrl;
  const text = jobUrl === undefined ? reference : jobUrl.replaceAll('{{job}}', encodeURIComponent(reference));
  const url = URL.parse(text, config.endpoint);
  return url !== null && url.origin === new URL(config.endpoint).origin ? url.toString() : undefined;
}

/** Whether a parsed answer says the vendor does not know the subject (`noMatchWhen.path`). */
export function noMatchIndicated(config: VendorConfig, json: unknown): boolean {
  const rule = config.noMatchWhen;
  if (rule?.path === undefined) return false;
  const value = readJsonPath(json, rule.path);
  return rule.equals === undefined ? Boolean(value) && !(Array.isArray(value) && value.length === 0) : value === rule.equals;
}

type FieldType = NonNullable<VendorConfig['mapping'][number]['type']>;
type Coerced = { readonly value: unknown } | { readonly problem: string } | undefined;

const shown = (value: unknown) =>
  Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'an object' : JSON.stringify(value);

/** Vendors write "unknown" as null, "" or []: those are absent, not wrong. */
function coerce(value: unknown, type: FieldType | undefined): Coerced {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  switch (type) {
    case undefined:
      return { value };
    case 'string':
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
      return { problem: `expected a string, got ${shown(value)}` };
    case 'number': {
      const numeric = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value);
      const number = typeof value === 'number' ? value : numeric ? Number(value) : NaN;
      return Number.isFinite(number) ? { value: number } : { problem: `expected a number, got ${shown(value)}` };
    }
    case 'boolean': {
      const text = String(value).toLowerCase();
      if (value === true || text === 'true' || value === 1) return { value: true };
      if (value === false || text === 'false' || value === 0) return { value: false };
      return { problem: `expected a boolean, got ${shown(value)}` };
    }
    case 'string[]': {
      const items = Array.isArray(value) ? value : [value];
      if (!items.every((item) => typeof item === 'string' || typeof item === 'number')) {
        return { problem: `expected a list of strings, got ${shown(value)}` };
      }
      return { value: items.map(String) };
    }
  }
}

export interface FieldMismatch {
  readonly field: string;
  readonly path: string;
  readonly message: string;
}

export interface VendorExtraction {
  readonly fields: readonly FieldCandidate[];
  /** Values present with the wrong type: dropped from `fields`, reported here. */
  readonly mismatches: readonly FieldMismatch[];
}

/** Reads the mapped fields from an answer; several mappings of one field are fallbacks, the first present wins. */
export function extractVendorFields(config: VendorConfig, json: unknown): VendorExtraction {
  const fields: FieldCandidate[] = [];
  const mismatches: FieldMismatch[] = [];
  const filled = new Set<string>();
  for (const entry of config.mapping) {
    if (filled.has(entry.field)) continue;
    const coerced = coerce(readJsonPath(json, entry.path), entry.type);
    if (coerced === undefined) continue;
    if ('problem' in coerced) {
      mismatches.push({ field: entry.field, path: entry.path, message: coerced.problem });
      continue;
    }
    filled.add(entry.field);
    fields.push({ field: entry.field, value: coerced.value, confidence: entry.confidence, verified: entry.verified });
  }
  return { fields, mismatches };
}
