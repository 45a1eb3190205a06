/**
 * Request-scoped batching: the batch loaders of one GraphQL request, kept on
 * its context object, so the fields of the request share them and their
 * cache lives exactly as long as the request.
 */
import type { LeadBatchLoaders } from '../../../modules/leads/lead-batch-loaders.js';
import type { LeadService } from '../../../modules/leads/lead.service.js';
import { createBatchLoader } from '../../../platform/batching/batch-loader.js';
import type { SegmentRecord } from '../../../modules/segments/segment-records.js';
import type { SegmentService } from '../../../modules/segments/segment.service.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';

const leadLoadersPerRequest = new WeakMap<GatewayContext, LeadBatchLoaders>();

/** The lead loaders of this request's tenant. */
export function leadLoaders(ctx: GatewayContext, leads: LeadService): LeadBatchLoaders {
  let loaders = leadLoadersPerRequest.get(ctx);
  if (loaders === undefined) {
    loaders = leads.loaders(requireTenant(ctx).db);
    leadLoadersPerRequest.set(ctx, loaders);
  }
  return loaders;
}

const segmentsPerRequest = new WeakMap<GatewayContext, (leadId: string) => Promise<SegmentRecord[]>>();

/** The segments of every lead of this request's page, in one query. */
export function segmentLoader(ctx: GatewayContext, segments: SegmentService): (leadId: string) => Promise<SegmentRecord[]> {
  let loader = segmentsPerRequest.get(ctx);
  if (loader === undefined) {
    const tenant = requireTenant(ctx).db;
    loader = createBatchLoader((leadIds) => segments.segmentsOfLeads(tenant, leadIds), []);
    segmentsPerRequest.set(ctx, loader);
  }
  return loader;
}
