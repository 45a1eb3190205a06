import type { ControlDb } from '../platform/postgres/control-db.js';
import { activeTenantRefs, tenantIsActive } from './tenants.repository.js';

/** Whether the tenant is served: made and not being (or already) offboarded. */
export function isTenantActive(control: ControlDb, tenantId: string): Promise<boolean> {
  return tenantIsActive(control, tenantId);
}

/** Every served tenant with its schema, in id order: for sweeps that visit each one. */
export function activeTenants(control: ControlDb): Promise<Array<{ tenantId: string; schema: string }>> {
  return activeTenantRefs(control);
}
