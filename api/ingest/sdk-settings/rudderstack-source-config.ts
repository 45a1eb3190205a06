import { createHash } from 'node:crypto';

/**
 * The source configuration RudderStack's JavaScript SDK (`@rudderstack/analytics-js`)
 * fetches from `<configUrl>/sourceConfig/?writeKey=…` before it sends anything.
 * Served by the collector itself: the source is enabled, has no device-mode
 * destinations to load from a CDN, and reports no errors or metrics to RudderStack.
 */
export function rudderstackSourceConfig(input: { writeKey: string; tenantId: string }): Record<string, unknown> {
  // Stable ids the SDK keys its state by, derived so that they reveal neither the key's nor the tenant's id.
  const opaque = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 27);
  return {
    isHosted: false,
    source: {
      id: opaque(`source:${input.writeKey}`),
      name: 'Website',
      writeKey: input.writeKey,
      enabled: true,
      workspaceId: opaque(`workspace:${input.tenantId}`),
      deleted: false,
      config: {
        statsCollection: {
          errors: { enabled: false },
          metrics: { enabled: false },
        },
      },
      destinations: [],
    },
  };
}
