import type { TenantMigration } from '../migration.js';

/**
 * Control over enrichment (issue 13, part 4):
 * - `enrichment_settings.auto_rule`: a segment rule (JSON) a lead must match
 *   for automatic enrichment to start; null: every lead the rest of the policy
 *   admits.
 * - `lead_fields.edited_by` / `edit_note`: a value a person set by hand
 *   (source `manual`): the key that set it and why. Kept on the field's row,
 *   so erasing the lead's fields erases them too.
 * - An index for the manual review queue (`needsManualEnrichment: true`).
 */
export const enrichmentControlMigration: TenantMigration = {
  name: '0011-enrichment-control',
  up: (s) => [
    `alter table ${s}.enrichment_settings add column auto_rule jsonb`,
    `alter table ${s}.lead_fields add column edited_by text, add column edit_note text`,
    `create index leads_needs_manual_enrichment_idx on ${s}.leads (created_at desc, id desc) where needs_manual_enrichment and merged_into is null`,
  ],
};
