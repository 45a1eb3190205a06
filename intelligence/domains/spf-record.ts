/**
 * The parts of a domain's SPF record (RFC 7208) that name other services:
 * its `include:` mechanisms and its `redirect=` modifier. Pure: the caller
 * hands in the domain's TXT records, each as the strings DNS returned.
 */

export interface SpfRecord {
  /** Domains of `include:` mechanisms, lower case, in record order (qualifiers `+-~?` dropped). */
  readonly includes: readonly string[];
  readonly redirect?: string;
}

/** A record is SPF when it is exactly `v=spf1` or starts with `v=spf1 ` (RFC 7208 §4.5). */
const SPF_VERSION = /^v=spf1(?:\s|$)/i;
// A domain-spec may hold macros (`%{i}`); those name no fixed service and are skipped.
const DOMAIN_SPEC = /^[a-z0-9._-]+$/;

/** A TXT record's text: its character strings joined without separators (RFC 7208 §3.3). */
export function txtText(record: readonly string[]): string {
  return record.join('');
}

/**
 * The SPF record among the domain's TXT records; undefined when there is none,
 * or more than one (a permanent error, RFC 7208 §4.5: no record applies).
 */
export function parseSpf(records: readonly (readonly string[])[]): SpfRecord | undefined {
  const spf = records.map(txtText).filter((text) => SPF_VERSION.test(text.trim()));
  if (spf.length !== 1) return undefined;
  const includes: string[] = [];
  let redirect: string | undefined;
  for (const term of (spf[0] ?? '').trim().split(/\s+/).slice(1)) {
    const lower = term.toLowerCase();
    const include = /^[+\-~?]?include:(.+)$/.exec(lower);
    if (include?.[1] !== undefined && DOMAIN_SPEC.test(include[1])) includes.push(include[1].replace(/\.$/, ''));
    const redirectTo = /^redirect=(.+)$/.exec(lower);
    if (redirectTo?.[1] !== undefined && DOMAIN_SPEC.test(redirectTo[1])) redirect = redirectTo[1].replace(/\.$/, '');
  }
  return { includes, ...(redirect === undefined ? {} : { redirect }) };
}
