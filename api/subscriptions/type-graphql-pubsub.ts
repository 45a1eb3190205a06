import type { PubSub as GraphQLPubSub } from 'type-graphql';
import type { PubSub } from '../../platform/coordination/coordination.js';
import { tenantChannel, type TenantTopic } from '../../tenants/tenant-channels.js';
import { channelIterator } from './channel-iterator.js';

/**
 * type-graphql's view of our pub/sub. Subscriptions name a topic and their
 * `topicId` is the subscriber's tenant id, so the channel is always the tenant's.
 */
export function typeGraphqlPubSub(pubsub: PubSub): GraphQLPubSub {
  return {
    publish() {
      throw new Error('changes are published by the domain services, not through type-graphql');
    },
    subscribe(topic, tenantId) {
      if (typeof tenantId !== 'string') throw new Error(`subscription to ${topic} without a tenant`);
      return channelIterator(pubsub, tenantChannel(tenantId, topic as TenantTopic));
    },
  };
}
