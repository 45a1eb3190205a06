import { dnsErrorCode, dnsResolver, NO_RECORD_CODES, PERMANENT_DNS_CODES } from '../../../platform/network/dns.js';
import type { EnrichmentProvider, FieldCandidate, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import { checkEmailSyntax, isRoleAccount } from '../../../intelligence/enrichment/email-checks.js';
import { mailDomainKind } from '../../../intelligence/enrichment/mail-domain-kind.js';
import type { SmtpProbe } from './smtp-probe.js';

/**
 * The built-in email verification: syntax, what the domain and the local
 * part are known to be, the domain's mail exchangers, and, when a probe is
 * handed in, whether the best exchanger takes the mailbox.
 */

export const EMAIL_VERIFICATION_PROVIDER_ID = 'email-verification';

export interface MxRecord {
  readonly exchange: string;
  readonly priority: number;
}

export type MxResolver = (domain: string) => Promise<MxRecord[]>;

export interface EmailVerificationDeps {
  readonly resolveMx: MxResolver;
  /** Off unless given: see `smtp-probe.ts` for why. */
  readonly smtpProbe?: SmtpProbe;
}

/**
 * MX lookups through the given servers (`host` or `host:port`; the system's
 * when none), so operators and tests point it at their resolver. One attempt
 * per server: a timeout becomes a retryable failure, and retrying is the
 * enrichment waterfall's job, with its backoff. Node checks c-ares' deadlines
 * on a timer of `timeoutMs` period, so a silent server is given up on between
 * once and twice `timeoutMs` after the query.
 */
export function createDnsMxResolver(servers: readonly string[] | undefined, timeoutMs: number): MxResolver {
  const resolver = dnsResolver({ servers, timeoutMs });
  return (domain) => resolver.resolveMx(domain);
}

function candidate(field: string, value: unknown, confidence: number, verified: boolean): FieldCandidate {
  return { field, value, confidence, verified };
}

/**
 * Membership of a curated list is a fact about the domain, so a listed
 * domain is `verified`; absence from a list is only an inference (new
 * throwaway domains appear daily), so it is not, and weighs less.
 */
function listed(field: string, isListed: boolean): FieldCandidate {
  return isListed ? candidate(field, true, 0.95, true) : candidate(field, false, 0.75, false);
}

/** Exchanges by preference; a null MX (RFC 7505, exchange `.`) means the domain takes no mail. */
function usableExchanges(records: readonly MxRecord[]): MxRecord[] {
  return records
    .map((record) => ({ exchange: record.exchange.toLowerCase().replace(/\.$/, ''), priority: record.priority }))
    .filter((record) => record.exchange !== '')
    .sort((a, b) => a.priority - b.priority || (a.exchange < b.exchange ? -1 : a.exchange > b.exchange ? 1 : 0));
}

export function createEmailVerificationProvider(deps: EmailVerificationDeps): EnrichmentProvider {
  return {
    id: EMAIL_VERIFICATION_PROVIDER_ID,

    accepts: (subject) => typeof subject.email === 'string' && subject.email.trim() !== '',

    async enrich(subject, { signal }): Promise<ProviderAnswer> {
      const email = subject.email?.trim();
      if (!email) return { kind: 'no-match' };
      const syntax = checkEmailSyntax(email);
      if (!syntax.valid) return { kind: 'match', fields: [candidate('email.syntaxValid', false, 1, true)] };

      const kind = mailDomainKind(syntax.domain);
      const fields: FieldCandidate[] = [
        candidate('email.syntaxValid', true, 1, true),
        listed('email.disposable', kind === 'disposable'),
        // A home ISP's mailbox is as personal as webmail: `email.mailDomainKind` tells them apart.
        listed('email.freeMail', kind === 'free' || kind === 'isp'),
        kind === 'business' ? candidate('email.mailDomainKind', kind, 0.75, false) : candidate('email.mailDomainKind', kind, 0.95, true),
        // Read from the mailbox's name, not established: `hr` may be someone's initials.
        isRoleAccount(syntax.localPart)
          ? candidate('email.roleAccount', true, 0.85, false)
          : candidate('email.roleAccount', false, 0.75, false),
      ];

      signal?.throwIfAborted();
      let records: MxRecord[];
      try {
        records = await deps.resolveMx(syntax.domain);
      } catch (error) {
        const code = dnsErrorCode(error);
        if (code === undefined || !NO_RECORD_CODES.has(code)) {
          const reason = `MX lookup for ${syntax.domain} failed: ${code ?? String(error)}`;
          return { kind: 'failure', reason, retryable: code === undefined || !PERMANENT_DNS_CODES.has(code) };
        }
        records = [];
      }
      const exchanges = usableExchanges(records);
      const best = exchanges[0];
      // A DNS answer establishes the field, found or not.
      if (best === undefined) return { kind: 'match', fields: [...fields, candidate('email.mxFound', false, 1, true)] };
      fields.push(candidate('email.mxFound', true, 1, true), candidate('email.mx', best.exchange, 1, true));

      if (deps.smtpProbe) {
        signal?.throwIfAborted();
        // Only the preferred exchange: backup exchangers commonly accept any recipient and relay later.
        const result = await deps.smtpProbe(best.exchange, `${syntax.localPart}@${syntax.domain}`).catch(() => 'unknown' as const);
        // A catch-all server accepts every address, so an acceptance weighs less than a refusal.
        if (result === 'accepted') fields.push(candidate('email.deliverable', true, 0.8, true));
        if (result === 'rejected') fields.push(candidate('email.deliverable', false, 0.9, true));
      }
      return { kind: 'match', fields };
    },
  };
}
