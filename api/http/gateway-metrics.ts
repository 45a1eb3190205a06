import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly httpDuration: Histogram<'route'>;
  readonly graphqlOperations: Counter<'type' | 'outcome'>;
}

/** A registry per process (not prom-client's global), so tests can run gateways side by side. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'leadgraph_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'leadgraph_http_requests_total',
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'leadgraph_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route.',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'leadgraph_graphql_operations_total',
      help: 'GraphQL operations, by operation type and outcome (ok or error code).',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
  };
}
