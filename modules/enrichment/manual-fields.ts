/**
 * The manual review queue's write: a person sets a lead's field by hand.
 * The value is held as source `manual`, confidence 1, verified (see
 * field-merge.ts: no provider or re-enrichment replaces it), with the key
 * that set it and the person's note on the field's row. The mutation itself
 * is audited like every other (who, which operation, how it ended; never its
 * arguments, so never a personal value).
 *
 * `needsManualEnrichment` means "no source found anything and the lead holds
 * no field"; a lead a person gave a field holds one, so the flag clears.
 *
 * A `company.*` field (other than the domain, which is evidence of which
 * company it is) is a fact about the lead's company: it is written to the
 * company record too, source `manual` at confidence 1, so every lead of the
 * company and every rule on company facts sees it, and no provider's answer
 * replaces it.
 */
import { companyFactValue } from '../../intelligence/companies/company-facts.js';
import { MANUAL_SOURCE, setManualField } from '../../intelligence/enrichment/field-merge.js';
import { mergeFactsIntoCompany } from '../companies/company-records.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { markFieldEdited } from './enrichment.repository.js';
import { clearNeedsManualEnrichment } from '../leads/leads.repository.js';
import { lockLiveLead } from './enrichment-subjects.repository.js';
import { readLeadFields, writeLeadFields } from './lead-fields.js';

/** A field's value as a person types it: a name, a number, a short list; not a document. */
export const MAX_MANUAL_VALUE_BYTES = 4_096;
export const MAX_NOTE_LENGTH = 1_000;
/** Dotted names as providers write them (`company.name`, `traits.title`, `email`). */
const FIELD_NAME = /^[a-z][A-Za-z0-9_]{0,63}(?:\.[A-Za-z][A-Za-z0-9_]{0,63}){0,4}$/;

export interface ManualFieldInput {
  readonly leadId: string;
  readonly field: string;
  readonly value: unknown;
  readonly note?: string | undefined;
}

function checkInput(input: ManualFieldInput): Outcome<{ field: string; value: unknown; note: string | null }> {
  const field = input.field.trim();
  if (!FIELD_NAME.test(field)) return failure(invalidInput(['field'], 'a dotted field name such as company.name or traits.title (letters, digits, _; at most 5 parts)'));
  if (input.value === null || input.value === undefined) return failure(invalidInput(['value'], 'a value is required; null is not one'));
  const serialized = JSON.stringify(input.value);
  if (Buffer.byteLength(serialized, 'utf8') > MAX_MANUAL_VALUE_BYTES) return failure(invalidInput(['value'], `at most ${MAX_MANUAL_VALUE_BYTES} bytes of JSON`));
  const note = input.note?.trim() ?? '';
  if (note.length > MAX_NOTE_LENGTH) return failure(invalidInput(['note'], `at most ${MAX_NOTE_LENGTH} characters`));
  // Stored as parsed back from JSON, so what is read later is exactly what was written.
  return success({ field, value: JSON.parse(serialized) as unknown, note: note === '' ? null : note });
}

/** Sets the field in one transaction with the lead's row locked; NOT_FOUND for a lead the tenant does not have. */
export async function setManualFieldOfLead(db: TenantDb, input: ManualFieldInput, by: { keyId: string }, now: Date): Promise<Outcome<true>> {
  const checked = checkInput(input);
  if (!checked.ok) return checked;
  const { field, value, note } = checked.value;
  return db.transaction(async (tx) => {
    const lead = await lockLiveLead(tx, input.leadId);
    if (lead === undefined) return failure(notFound('Lead'));
    const held = await readLeadFields(tx, input.leadId);
    await writeLeadFields(tx, input.leadId, [setManualField(held.get(field), field, value, now)]);
    await markFieldEdited(tx, input.leadId, field, { edited_by: by.keyId, edit_note: note });
    await clearNeedsManualEnrichment(tx, input.leadId);
    const companyId = lead.company_id;
    const fact = field.startsWith('company.') && field !== 'company.domain' ? companyFactValue(field, value) : undefined;
    // A value its column cannot hold ("lots" employees) stays the lead's own field.
    if (companyId !== null && fact !== undefined) {
      await mergeFactsIntoCompany(tx, companyId, [{ field, value: fact, source: MANUAL_SOURCE, confidence: 1, fetchedAt: now.toISOString() }]);
    }
    return success(true as const);
  });
}
