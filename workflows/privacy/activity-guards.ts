/** What every privacy activity runs inside: a heartbeat while it works, and a clear end when the tenant is gone. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PersonRef, PersonRequestInput } from '../../modules/privacy/privacy-requests.js';
import type { RequestSubjects } from '../../modules/privacy/request-subjects.js';

/** PostgreSQL's invalid_schema_name and undefined_table: the tenant was offboarded while the request waited. */
const GONE_CODES = new Set(['3F000', '42P01']);
const HEARTBEAT_MS = 2_000;

/**
 * Runs tenant work with a heartbeat every two seconds, so a long statement
 * (a large person's resolution, a scan of webhook deliveries) is not taken
 * for a dead worker, while a worker that did die is noticed within the
 * heartbeat timeout. A tenant whose data no longer exists fails for good,
 * since retrying would not change that.
 */
export async function inTenant<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
  try {
    return await work();
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (typeof code === 'string' && GONE_CODES.has(code)) throw ApplicationFailure.nonRetryable("the tenant's data no longer exists", 'TenantGone');
    throw error;
  } finally {
    clearInterval(beat);
  }
}

/**
 * Who a request is about: in the input of a request made before subjects were
 * kept apart, else its sealed subject. Gone means the request was settled
 * (or its tenant offboarded): nothing to resolve, for good.
 */
export async function requestedPerson(subjects: RequestSubjects, input: PersonRequestInput): Promise<PersonRef> {
  const person = input.person ?? (await subjects.read(input.tenantId, input.requestId));
  if (person === undefined) throw ApplicationFailure.nonRetryable(`request ${input.requestId} is settled: who it was about is no longer held`, 'SubjectGone');
  return person;
}
