import type { LeadLoaders } from '../../../modules/leads/lead-loaders.js';
import type { LeadService } from '../../../modules/leads/lead.service.js';
import { createBatchLoader } from '../../../modules/leads/batch-loader.js';
import type { SegmentRecord } from '../../../modules/segments/segment-records.js';
import type { SegmentService } from '../../../modules/segments/segment.service.js';
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

const segmentsPerRequest = new WeakMap<GatewayContext, (leadId: string) => Promise<SegmentRecord[]>>();

/** The segments of every lead of this request's page, in one query. */
export function segmentLoader(ctx: GatewayContext, segments: SegmentService): (leadId: string) => Promise<SegmentRecord[]> {
  let loader = segmentsPerRequest.get(ctx);
  if (loader === undefined) {
    const tenant = requireTenant(ctx);
    loader = createBatchLoader((leadIds) => segments.segmentsOfLeads(tenant, leadIds), []);
    segmentsPerRequest.set(ctx, loader);
  }
  return loader;
}
