import { failure, problemText, success, unavailable, type Outcome, type Problem } from '../../../platform/outcome.js';
import { dnsErrorCode, dnsResolver, NO_RECORD_CODES, PERMANENT_DNS_CODES } from '../../../platform/network/dns.js';
import { dmarcName } from '../../../intelligence/domains/dmarc-record.js';
import { dnsCompanyFacts } from '../../../intelligence/domains/dns-company-facts.js';
import { domainParts } from '../../../intelligence/domains/registrable-domain.js';
import type { EnrichmentProvider, FieldCandidate, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import type { MxRecord } from './email-verification.provider.js';

/**
 * The company's public DNS as a free source: MX → who holds its mail (and
 * which filter sits in front), SPF includes and TXT verification records →
 * SaaS it uses, `_dmarc` → its DMARC policy. Three lookups at the deployment's
 * resolver (`ENRICHMENT_DNS_SERVERS`), no call to anyone else.
 */

export const DNS_RECORDS_PROVIDER_ID = 'dns-records';

/** What the catalog lists for it: free, as it costs a few DNS queries. */
export const DNS_RECORDS_PROVIDER_DEFAULTS = {
  name: 'Company DNS (mail provider, SaaS, DMARC)',
  priceCredits: 0,
  rateLimitPerMinute: 600,
  concurrency: 10,
  supplies: ['company.mailProvider', 'company.mailGateway', 'company.saas', 'company.dmarcPolicy'],
  keyedBy: ['domain'],
  local: false,
} as const;

export interface DnsRecordsResolver {
  resolveMx(name: string): Promise<MxRecord[]>;
  resolveTxt(name: string): Promise<string[][]>;
}

/** Lookups through the given servers (`host` or `host:port`; the system's when none), one try each, as `createDnsMxResolver`. */
export function createDnsRecordsResolver(servers: readonly string[] | undefined, timeoutMs: number): DnsRecordsResolver {
  const resolver = dnsResolver({ servers, timeoutMs });
  return { resolveMx: (name) => resolver.resolveMx(name), resolveTxt: (name) => resolver.resolveTxt(name) };
}

/** What a name holds of one record type; `exists` false when the name itself does not (NXDOMAIN). */
interface DnsAnswer<T> {
  readonly records: T[];
  readonly exists: boolean;
}

/** A lookup that got no answer (a timeout, SERVFAIL) is the network's failure: retried, then skipped. */
async function lookup<T>(name: string, query: (name: string) => Promise<T[]>): Promise<Outcome<DnsAnswer<T>>> {
  try {
    return success({ records: await query(name), exists: true });
  } catch (error) {
    const code = dnsErrorCode(error);
    if (code !== undefined && NO_RECORD_CODES.has(code)) return success({ records: [], exists: code !== 'ENOTFOUND' });
    return failure(unavailable(`DNS lookup for ${name} failed: ${code ?? 'unknown error'}`, { retryable: code === undefined || !PERMANENT_DNS_CODES.has(code) }));
  }
}

function unanswered(problem: Problem): ProviderAnswer {
  return { kind: 'failure', reason: problemText(problem), retryable: problem.kind === 'unavailable' && problem.retryable };
}

function candidate(field: string, value: unknown, confidence: number, verified: boolean): FieldCandidate {
  return { field, value, confidence, verified };
}

export function createDnsRecordsProvider(deps: { readonly resolver: DnsRecordsResolver }): EnrichmentProvider {
  return {
    id: DNS_RECORDS_PROVIDER_ID,

    // A host name with a registrable domain: an IP address or a bare suffix has no company behind it.
    accepts: (subject) => typeof subject.domain === 'string' && domainParts(subject.domain) !== undefined,

    async enrich(subject, { signal }): Promise<ProviderAnswer> {
      const domain = subject.domain?.trim().toLowerCase().replace(/\.$/, '');
      if (!domain || domainParts(domain) === undefined) return { kind: 'no-match' };
      signal?.throwIfAborted();
      const [mx, txt, dmarc] = await Promise.all([
        lookup(domain, (name) => deps.resolver.resolveMx(name)),
        lookup(domain, (name) => deps.resolver.resolveTxt(name)),
        lookup(dmarcName(domain), (name) => deps.resolver.resolveTxt(name)),
      ]);
      if (!mx.ok) return unanswered(mx.problem);
      if (!txt.ok) return unanswered(txt.problem);
      if (!dmarc.ok) return unanswered(dmarc.problem);
      // NXDOMAIN: the domain does not exist, so nothing can be said of a company behind it.
      if (!mx.value.exists && !txt.value.exists) return { kind: 'no-match' };

      const facts = dnsCompanyFacts({ mx: mx.value.records, txt: txt.value.records, dmarcTxt: dmarc.value.records });
      const fields: FieldCandidate[] = [];
      if (facts.mailProvider !== undefined) {
        // Read from an MX record it is established; read from SPF behind a filter it is a likely guess.
        fields.push(facts.mailProvider.inferred ? candidate('company.mailProvider', facts.mailProvider.name, 0.7, false) : candidate('company.mailProvider', facts.mailProvider.name, 0.95, true));
      }
      if (facts.mailGateway !== undefined) fields.push(candidate('company.mailGateway', facts.mailGateway, 0.95, true));
      // The records are facts, but a verification record can outlive the subscription it proved.
      if (facts.saas.length > 0) fields.push(candidate('company.saas', facts.saas, 0.85, true));
      fields.push(candidate('company.dmarcPolicy', facts.dmarcPolicy, 1, true));
      return { kind: 'match', fields };
    },
  };
}
