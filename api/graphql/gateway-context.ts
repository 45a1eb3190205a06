import type { Scope } from '../../tenants/api-keys/scopes.js';
import type { TenantContext } from '../../tenants/tenant-context.js';
import { apiError } from './errors.js';

export type Principal = { readonly kind: 'admin' } | { readonly kind: 'tenant'; readonly tenant: TenantContext };

/** What every resolver receives. There is no tenant to choose: the key decided it. */
export interface GatewayContext {
  readonly principal: Principal;
  readonly requestId: string;
}

/** The tenant of the calling key, provided the key holds the scope. */
export function requireTenant(ctx: GatewayContext, scope?: Scope): TenantContext {
  if (ctx.principal.kind !== 'tenant') {
    throw apiError('FORBIDDEN', 'this operation needs a tenant secret key, not the platform token');
  }
  const tenant = ctx.principal.tenant;
  if (scope !== undefined && !tenant.scopes.includes(scope)) {
    throw apiError('FORBIDDEN', `this key lacks the scope ${scope}`, { requiredScope: scope });
  }
  return tenant;
}

export function requireAdmin(ctx: GatewayContext): void {
  if (ctx.principal.kind !== 'admin') throw apiError('FORBIDDEN', 'this operation needs the platform operator token');
}
