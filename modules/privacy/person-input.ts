/** Who a deletion or export is about, from `DeletionInput`: exactly one of an email and a lead id. */
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { PersonRef } from './privacy-requests.js';

const MAX_EMAIL = 320;
const MAX_LEAD_ID = 200;

export interface PersonInput {
  readonly email?: string | null | undefined;
  readonly leadId?: string | null | undefined;
}

const given = (value: string | null | undefined): string | undefined => (value === null || value === undefined ? undefined : value.trim());

export function parsePersonInput(input: PersonInput): Outcome<PersonRef> {
  const email = given(input.email);
  const leadId = given(input.leadId);
  if (email !== undefined && leadId !== undefined) return failure(invalidInput(['input', 'leadId'], 'give either email or leadId, not both'));
  if (email !== undefined) {
    if (email.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+$/.test(email)) return failure(invalidInput(['input', 'email'], 'not an email address'));
    return success({ email: email.toLowerCase() });
  }
  if (leadId !== undefined) {
    if (leadId === '' || leadId.length > MAX_LEAD_ID) return failure(invalidInput(['input', 'leadId'], `must be 1 to ${MAX_LEAD_ID} characters`));
    return success({ leadId });
  }
  return failure(invalidInput(['input', 'email'], 'give the email or the leadId of the person'));
}
