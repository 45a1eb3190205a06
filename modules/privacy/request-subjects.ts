/**
 * Who a deletion or export request is about, between the request and its
 * workflow's end: sealed with the tenant's data key in the control schema,
 * read by the workflow's activities, deleted when the request is settled. The
 * workflow's input (which Temporal keeps in its history for the namespace's
 * retention) carries the request's id only.
 */
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { createSecretBox } from '../../tenants/secrets/secret-box.js';
import type { TenantDataKeys } from '../../tenants/secrets/tenant-data-keys.js';
import type { PersonRef } from './privacy-requests.js';
import { deleteRequestSubject, insertRequestSubject, sealedRequestSubject } from './request-subjects.repository.js';

export interface RequestSubjects {
  keep(tenantId: string, requestId: string, person: PersonRef): Promise<void>;
  /** Undefined once the request is settled (or its tenant's key destroyed). */
  read(tenantId: string, requestId: string): Promise<PersonRef | undefined>;
  forget(tenantId: string, requestId: string): Promise<void>;
}

const aad = (tenantId: string, requestId: string): string => `tenant:${tenantId}:privacy-request:${requestId}`;

function personRefOf(text: string): PersonRef | undefined {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) return undefined;
  if ('email' in value && typeof value.email === 'string') return { email: value.email };
  if ('leadId' in value && typeof value.leadId === 'string') return { leadId: value.leadId };
  return undefined;
}

export function createRequestSubjects(deps: { control: ControlDb; dataKeys: Pick<TenantDataKeys, 'current'> }): RequestSubjects {
  const boxOf = async (tenantId: string) => {
    const key = await deps.dataKeys.current(tenantId);
    return key === undefined ? undefined : createSecretBox(key.key.export());
  };

  return {
    async keep(tenantId, requestId, person) {
      const box = await boxOf(tenantId);
      if (box === undefined) throw new Error(`tenant ${tenantId}'s data key is destroyed: no request can be kept for it`);
      await insertRequestSubject(deps.control, { tenantId, requestId, sealed: box.seal(JSON.stringify(person), aad(tenantId, requestId)) });
    },

    async read(tenantId, requestId) {
      const sealed = await sealedRequestSubject(deps.control, tenantId, requestId);
      const box = sealed === undefined ? undefined : await boxOf(tenantId);
      const text = sealed === undefined ? undefined : box?.open(sealed, aad(tenantId, requestId));
      return text === undefined ? undefined : personRefOf(text);
    },

    forget: (tenantId, requestId) => deleteRequestSubject(deps.control, tenantId, requestId),
  };
}
