/**
 * The settings document analytics.js (`@segment/analytics-next`) fetches from
 * `<cdnURL>/v1/projects/<writeKey>/settings` before it sends anything. Served by
 * the collector itself, it sends every call to `apiHost` and loads nothing else:
 * no destinations, middleware or remote plugins, and no metrics to Segment
 * (analytics.js samples its own metrics at 100% unless told otherwise).
 */
export function segmentSettings(input: { writeKey: string; apiHost: string; protocol: 'http' | 'https' }): Record<string, unknown> {
  return {
    integrations: {
      'Segment.io': {
        apiKey: input.writeKey,
        apiHost: input.apiHost,
        protocol: input.protocol,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
