import type { PubSub } from '../../platform/coordination/coordination.js';
import { tenantChannel } from '../../tenants/tenant-channels.js';
import type { ChangeListener } from './lead-change-pipeline.js';

/** The message a subscriber's gateway receives, whichever gateway evaluated the change. */
export interface ScoredMessage {
  readonly leadId: string;
  readonly score: number;
  readonly previousScore: number;
  readonly at: string;
}

export interface MembershipMessage {
  readonly segmentId: string;
  readonly leadId: string;
  readonly change: 'ENTERED' | 'EXITED';
  readonly at: string;
}

/** Every change onto the tenant's channels (Redis pub/sub between gateways): at most once, as subscriptions are. */
export function publishToSubscribers(pubsub: PubSub): ChangeListener {
  return async (tenant, changes) => {
    await Promise.all(
      changes.map((change) => {
        if (change.kind === 'scored') {
          const message: ScoredMessage = { leadId: change.leadId, score: change.score, previousScore: change.previousScore, at: change.at.toISOString() };
          return pubsub.publish(tenantChannel(tenant.tenantId, 'scored'), JSON.stringify(message));
        }
        const message: MembershipMessage = { segmentId: change.segmentId, leadId: change.leadId, change: change.change, at: change.at.toISOString() };
        return pubsub.publish(tenantChannel(tenant.tenantId, `segment:${change.segmentId}`), JSON.stringify(message));
      }),
    );
  };
}
