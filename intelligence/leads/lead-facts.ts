/**
 * A lead as scoring and segment rules see it: a plain snapshot, read in one
 * go for many leads by the pipeline, so the rules stay pure and `now` is an
 * argument wherever time matters.
 */

export interface CompanyFacts {
  readonly domain: string | null;
  readonly name: string | null;
  readonly industry: string | null;
  readonly employees: number | null;
  readonly revenue: number | null;
  readonly country: string | null;
  /** From the company's DNS (dns-records); absent in snapshots built before these facts existed. */
  readonly mailProvider?: string | null;
  readonly dmarcPolicy?: string | null;
  /** Technologies seen on its homepage, and SaaS its DNS names: empty when none is known. */
  readonly techStack?: readonly string[];
  readonly saas?: readonly string[];
}

export interface EventFact {
  readonly name: string;
  readonly at: Date;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface LeadFacts {
  readonly id: string;
  readonly email: string | null;
  readonly score: number;
  readonly traits: Readonly<Record<string, unknown>>;
  readonly company: CompanyFacts | null;
  /**
   * The lead's events within the longest window any rule of the tenant looks
   * at (newest first); rules over older behaviour are not written.
   */
  readonly events: readonly EventFact[];
}

/** The longest window rules may look back: what the pipeline loads of a lead's events. */
export const MAX_RULE_WINDOW_DAYS = 365;
