/**
 * The shared vocabulary of enrichment: what a provider is asked about, what it
 * answers, and a field as a provider claims it. Pure types; the merge policy
 * and the providers build on them.
 */

/** What enrichment knows of a lead when it asks a provider. */
export interface EnrichmentSubject {
  readonly email?: string;
  /** The company's domain (from the email's domain, a `group` call or the lead's company). */
  readonly domain?: string;
  readonly ip?: string;
  readonly name?: string;
}

/** One field as a provider claims it. `verified`: established (an MX record answered), not inferred (a guess from a name). */
export interface FieldCandidate {
  /** Dotted path of the field, e.g. `company.employees`, `email.deliverable`. */
  readonly field: string;
  readonly value: unknown;
  /** 0 to 1. */
  readonly confidence: number;
  readonly verified: boolean;
  /** The tenant's own data (an import): replaced only by verified evidence at least as confident. */
  readonly supplied?: boolean;
}

/**
 * A provider's answer. `failure` is the provider's fault or the network's,
 * never the subject's: it is retried (honouring `retryAfterMs`) and then
 * skipped for the next provider in the waterfall; `raw` keeps a body that did
 * not parse, for inspection.
 */
export type ProviderAnswer =
  | { readonly kind: 'match'; readonly fields: readonly FieldCandidate[] }
  | { readonly kind: 'no-match' }
  | { readonly kind: 'failure'; readonly reason: string; readonly retryable: boolean; readonly retryAfterMs?: number; readonly raw?: string };

/** What every source of enrichment implements, built in or a tenant's configured vendor. */
export interface EnrichmentProvider {
  /** Stable id, the `source` of the fields it returns (e.g. `email-verification`). */
  readonly id: string;
  /** Whether the subject carries what this provider needs (an email, a domain…). */
  accepts(subject: EnrichmentSubject): boolean;
  enrich(subject: EnrichmentSubject, opts: { readonly signal?: AbortSignal }): Promise<ProviderAnswer>;
}
