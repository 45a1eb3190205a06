/** Pub/sub topics are per tenant, so a subscriber can only ever be handed its own tenant's changes. */
export type TenantTopic = 'credits' | 'scored' | 'suppressions' | `segment:${string}`;

export const tenantChannel = (tenantId: string, topic: TenantTopic): string => `tenant:${tenantId}:${topic}`;
