/**
 * A domain's DMARC policy (RFC 7489) from the TXT records of `_dmarc.<domain>`.
 * Pure: the caller does the lookup.
 */

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';
/** `absent`: no valid DMARC record, so receivers apply no DMARC policy for the domain. */
export type DmarcPosture = DmarcPolicy | 'absent';

const DMARC_VERSION = /^v\s*=\s*DMARC1\s*(?:;|$)/i;

/**
 * The `p=` of the one DMARC record; `absent` when there is none or more than
 * one. A missing or unknown `p=` counts as `none` when the record asks for
 * aggregate reports (`rua=`), else as no record (RFC 7489 §6.6.3).
 */
export function dmarcPosture(records: readonly (readonly string[])[]): DmarcPosture {
  const dmarc = records.map((record) => record.join('')).filter((text) => DMARC_VERSION.test(text.trim()));
  if (dmarc.length !== 1) return 'absent';
  const tags = new Map<string, string>();
  for (const tag of (dmarc[0] ?? '').split(';')) {
    const eq = tag.indexOf('=');
    if (eq > 0) tags.set(tag.slice(0, eq).trim().toLowerCase(), tag.slice(eq + 1).trim());
  }
  const policy = tags.get('p')?.toLowerCase();
  if (policy === 'none' || policy === 'quarantine' || policy === 'reject') return policy;
  return /^mailto:\S+@\S+/i.test(tags.get('rua') ?? '') ? 'none' : 'absent';
}

/** Where a domain's DMARC record lives. */
export function dmarcName(domain: string): string {
  return `_dmarc.${domain.trim().toLowerCase().replace(/\.$/, '')}`;
}
