/**
 * Who a privacy request is about, as the tenant's rows know them: the lead
 * asked for (or the live leads holding the email), every lead merged into
 * them at any depth, and every identifier they were seen by.
 */
import { subjectOfLead } from '../../intelligence/enrichment/enrichment-subject.js';
import type { EnrichmentSubject } from '../../intelligence/enrichment/enrichment-types.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { PersonRef } from './privacy-requests.js';
import { identifiersSeenBy, leadTreeRows, liveLeadIdsWithEmail, rootLeadIds } from './privacy.repository.js';

export interface PersonRecords {
  readonly leadIds: string[];
  readonly emails: string[];
  readonly userIds: string[];
  readonly anonymousIds: string[];
  /** What enrichment could have asked about the person: answer-cache keys derive from these. */
  readonly subjects: EnrichmentSubject[];
}

async function rootsOf(db: TenantDb, person: PersonRef): Promise<string[]> {
  return 'leadId' in person ? rootLeadIds(db, person.leadId) : liveLeadIdsWithEmail(db, person.email.trim());
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const distinct = (values: ReadonlyArray<string | undefined | null>): string[] =>
  [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();

export async function resolvePerson(db: TenantDb, person: PersonRef): Promise<PersonRecords> {
  const rows = await leadTreeRows(db, await rootsOf(db, person));
  const leads = rows.map((row) => ({ id: row.id, email: row.email, userId: row.user_id, traits: row.traits, companyDomain: row.company_domain, lastIp: row.last_ip }));
  const leadIds = leads.map((lead) => lead.id);
  const seen = await identifiersSeenBy(db, leadIds);
  const given = 'email' in person ? person.email.trim() : undefined;
  const emails = distinct([given, ...leads.flatMap((lead) => [text(lead.email), text(lead.traits['email'])])]);
  const subjects = [
    ...leads.map((lead) => subjectOfLead(lead)),
    // An email alone (an unknown person, a trait email): what verification was asked with.
    ...emails.map((email) => subjectOfLead({ email, traits: {}, companyDomain: null, lastIp: null })),
    // A subject with neither (a company's domain, an address) made no entry about the person.
  ].filter((subject): subject is EnrichmentSubject => subject?.email !== undefined || subject?.name !== undefined);
  return {
    leadIds,
    emails,
    userIds: distinct([...leads.map((lead) => lead.userId), ...seen.userIds]),
    anonymousIds: distinct(seen.anonymousIds),
    subjects,
  };
}
