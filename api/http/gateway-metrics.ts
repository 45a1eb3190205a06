import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BacklogReading } from '../../modules/leads/ingest/backlog-gate.js';
import type { IngestStats } from '../../modules/leads/ingest/ingest-stats.js';
import { LANES, URGENT_LANE, type Lane } from '../../modules/leads/ingest/log-entry.js';

/** What /metrics reads of ingestion: the backlog as last read (every tenant, every process) and this process's processor. */
export interface IngestionReadings {
  readonly backlog: () => BacklogReading;
  readonly stats: IngestStats;
}

const laneName = (lane: Lane) => (lane === URGENT_LANE ? 'visitor' : 'bulk');

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly httpDuration: Histogram<'route'>;
  readonly graphqlOperations: Counter<'type' | 'outcome'>;
}

/** A registry per process (not prom-client's global), so tests can run gateways side by side. */
export function createGatewayMetrics(ingestion: IngestionReadings): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'leadgraph_' });
  new Gauge({
    name: 'leadgraph_ingest_backlog_events',
    help: 'Events appended to the ingestion log and not processed yet, over every tenant, by lane (visitor: a visitor\'s own calls; bulk: batches).',
    labelNames: ['lane'],
    registers: [registry],
    collect() {
      const { waiting } = ingestion.backlog();
      for (const lane of LANES) this.set({ lane: laneName(lane) }, waiting[lane]);
    },
  });
  new Gauge({
    name: 'leadgraph_ingest_lag_seconds',
    help: "Age of the oldest event of this process's last processed chunk when it was processed, by lane; 0 when nothing waits.",
    labelNames: ['lane'],
    registers: [registry],
    collect() {
      const { waiting } = ingestion.backlog();
      for (const lane of LANES) this.set({ lane: laneName(lane) }, waiting[lane] === 0 ? 0 : ingestion.stats.lagSeconds[lane]);
    },
  });
  const counted: Record<Lane, number> = { 0: 0, 1: 0 };
  new Counter({
    name: 'leadgraph_ingest_processed_events_total',
    help: "Events this process's log processor has processed, by lane.",
    labelNames: ['lane'],
    registers: [registry],
    collect() {
      for (const lane of LANES) {
        const processed = ingestion.stats.processed[lane];
        this.inc({ lane: laneName(lane) }, processed - counted[lane]);
        counted[lane] = processed;
      }
    },
  });
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
