import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import type { PubSub } from '../../platform/coordination/coordination.js';
import { typeGraphqlPubSub } from '../subscriptions/type-graphql-pubsub.js';
import { registerInstances } from './schema-instances.js';
import { ScoringResolver } from './scoring/scoring.resolver.js';
import { SegmentResolver } from './segments/segment.resolver.js';
import { WebhookResolver } from './webhooks/webhook.resolver.js';
import { ApiKeyResolver } from './api-keys/api-key.resolver.js';
import { AuditResolver } from './audit/audit.resolver.js';
import { EnrichmentResolver } from './enrichment/enrichment.resolver.js';
import { CompanyResolver } from './leads/company.resolver.js';
import { LeadResolver } from './leads/lead.resolver.js';
import { SessionResolver } from './leads/session.resolver.js';
import { IpLookupResolver } from './ip/ip-lookup.resolver.js';
import { TrackingSettingsResolver } from './tracking/tracking-settings.resolver.js';
import { PlatformResolver } from './platform/platform.resolver.js';
import { TenantResolver } from './tenant/tenant.resolver.js';
import { PrivacyResolver } from './privacy/privacy.resolver.js';
import { ConsentResolver } from './privacy/consent.resolver.js';

export const resolverClasses = [
  PlatformResolver,
  TenantResolver,
  ApiKeyResolver,
  AuditResolver,
  LeadResolver,
  SessionResolver,
  CompanyResolver,
  TrackingSettingsResolver,
  IpLookupResolver,
  EnrichmentResolver,
  ScoringResolver,
  SegmentResolver,
  WebhookResolver,
  PrivacyResolver,
  ConsentResolver,
] as const;

export type ResolverInstance = InstanceType<(typeof resolverClasses)[number]>;

/**
 * Resolvers are constructed by the composition root with their services and
 * handed in here; type-graphql only looks them up.
 */
export async function buildGatewaySchema(
  instances: readonly ResolverInstance[] | undefined,
  pubsub: PubSub,
): Promise<GraphQLSchema> {
  const byClass = new Map<Function, ResolverInstance>((instances ?? []).map((instance) => [instance.constructor, instance]));
  const schema = await buildSchema({
    resolvers: [...resolverClasses],
    orphanedTypes: [],
    validate: false,
    pubSub: typeGraphqlPubSub(pubsub),
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    container: {
      get(cls: Function) {
        const instance = byClass.get(cls);
        if (instance === undefined) throw new Error(`no instance of ${cls.name}: the schema was built for printing only`);
        return instance;
      },
    },
  });
  registerInstances(schema, byClass);
  return schema;
}
