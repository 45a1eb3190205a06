import { mailServiceOfExchange, MAIL_EXCHANGER_PATTERNS } from '../enrichment/mail-exchanger-providers.js';
import { dmarcPosture, type DmarcPosture } from './dmarc-record.js';
import { saasOfSpfInclude, saasOfTxtRecord } from './saas-dns-signals.js';
import { parseSpf, txtText } from './spf-record.js';

/**
 * What a company's public DNS says of it: who holds its mail, which filter
 * stands in front, which SaaS send as it or had it verify the domain, and how
 * strictly it protects its name from spoofing. Pure: the provider does the
 * lookups and hands the answers in.
 */

export interface DomainDnsRecords {
  readonly mx: ReadonlyArray<{ readonly exchange: string; readonly priority: number }>;
  /** The domain's TXT records, each as the character strings DNS returned. */
  readonly txt: ReadonlyArray<readonly string[]>;
  /** The TXT records of `_dmarc.<domain>`. */
  readonly dmarcTxt: ReadonlyArray<readonly string[]>;
}

export interface DnsCompanyFacts {
  /** `inferred`: read from SPF because the MX hosts belong to a filter or relay, not read from the MX itself. */
  readonly mailProvider?: { readonly name: string; readonly inferred: boolean };
  readonly mailGateway?: string;
  /** Sorted, each once. */
  readonly saas: readonly string[];
  readonly dmarcPolicy: DmarcPosture;
}

// The mailbox providers an SPF include can point to, named as the MX patterns name them.
const MAILBOX_PROVIDERS: ReadonlySet<string> = new Set(MAIL_EXCHANGER_PATTERNS.filter((p) => p.kind === 'mailbox').map((p) => p.provider));

/** Exchanges by preference; a null MX (RFC 7505, exchange `.`) is none. */
function exchangesByPreference(mx: DomainDnsRecords['mx']): string[] {
  return [...mx]
    .map((record) => ({ exchange: record.exchange.trim().toLowerCase().replace(/\.$/, ''), priority: record.priority }))
    .filter((record) => record.exchange !== '')
    .sort((a, b) => a.priority - b.priority || (a.exchange < b.exchange ? -1 : a.exchange > b.exchange ? 1 : 0))
    .map((record) => record.exchange);
}

export function dnsCompanyFacts(records: DomainDnsRecords): DnsCompanyFacts {
  const spf = parseSpf(records.txt);
  const spfSaas = [...(spf?.includes ?? []), ...(spf?.redirect === undefined ? [] : [spf.redirect])]
    .map(saasOfSpfInclude)
    .filter((saas): saas is string => saas !== undefined);
  const txtSaas = records.txt.map((record) => saasOfTxtRecord(txtText(record))).filter((saas): saas is string => saas !== undefined);
  const saas = [...new Set([...spfSaas, ...txtSaas])].sort();

  const services = exchangesByPreference(records.mx).map(mailServiceOfExchange);
  const preferred = services[0];
  let mailProvider: DnsCompanyFacts['mailProvider'];
  let mailGateway: string | undefined;
  if (preferred?.kind === 'mailbox') {
    mailProvider = { name: preferred.provider, inferred: false };
  } else {
    if (preferred?.kind === 'gateway') mailGateway = preferred.provider;
    // Behind a filter, a relay or an unknown host, the mailbox provider shows where the domain lets it send from.
    const fromSpf = spfSaas.find((name) => MAILBOX_PROVIDERS.has(name));
    if (fromSpf !== undefined) mailProvider = { name: fromSpf, inferred: true };
  }
  return {
    ...(mailProvider === undefined ? {} : { mailProvider }),
    ...(mailGateway === undefined ? {} : { mailGateway }),
    saas,
    dmarcPolicy: dmarcPosture(records.dmarcTxt),
  };
}
