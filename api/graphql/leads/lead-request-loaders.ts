import type { LeadLoaders } from '../../leads/lead-loaders.js';
import type { LeadService } from '../../leads/lead.service.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';

// Keyed by the request's context object: the cache lives exactly as long as the request.
const perRequest = new WeakMap<GatewayContext, LeadLoaders>();

/** The loaders of this request's tenant; fields of the same request share them. */
export function leadLoaders(ctx: GatewayContext, leads: LeadService): LeadLoaders {
  let loaders = perRequest.get(ctx);
  if (loaders === undefined) {
    loaders = leads.loaders(requireTenant(ctx));
    perRequest.set(ctx, loaders);
  }
  return loaders;
}
