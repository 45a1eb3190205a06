/**
 * Where an ingestion run's CPU goes, per 1,000 messages, split between the
 * acknowledgement (the append) and the processing behind it; and the
 * throughput those costs allow on this machine's cores. After the load stops
 * only processing runs, so the drain's CPU per message processed is the
 * processing cost; what the load span spent beyond the processing it did in
 * that span is the append's.
 */
import { availableParallelism } from 'node:os';
import { cpuPerOperation, type CpuSnapshot } from './cpu-usage.js';

/** The parts of the stack the ingestion bench's load runs on (the load generator is left out: a client's cost). */
const GATEWAY = 'gateway process (gateway, load, local servers)';
const POSTGRES = 'PostgreSQL';

export interface CpuCost {
  /** CPU milliseconds per 1,000 messages in the gateway's process (the processor runs in it). */
  readonly gatewayMs: number;
  readonly postgresMs: number;
}

export interface IngestCpuSplit {
  readonly append: CpuCost;
  readonly process: CpuCost;
  /** Messages a second the cores could append if they did nothing else. */
  readonly appendCeiling: number;
  /** Messages a second the cores could append and process, both. */
  readonly sustainedCeiling: number;
}

export interface IngestCpuSpans {
  readonly atStart: CpuSnapshot;
  readonly atStop: CpuSnapshot;
  readonly atEnd: CpuSnapshot;
  readonly appended: number;
  /** Messages processed between the start and the stop of the load, and between its stop and the drain's end. */
  readonly processedDuringLoad: number;
  readonly processedInDrain: number;
  /**
   * The PostgreSQL processes that count: the backends of the bench's database
   * and the server's own (WAL writer, checkpointer). Others on a shared server
   * (a test suite running beside) are left out.
   */
  readonly postgresPids: ReadonlySet<number>;
}

const costOf = (snapshots: { before: CpuSnapshot; after: CpuSnapshot }, messages: number): CpuCost => {
  const parts = cpuPerOperation([snapshots], Math.max(1, messages) / 1000);
  const ms = (part: string) => parts.find((p) => p.part === part)?.ms ?? 0;
  return { gatewayMs: ms(GATEWAY), postgresMs: ms(POSTGRES) };
};

const total = (cost: CpuCost) => cost.gatewayMs + cost.postgresMs;

const onlyOurs = (snapshot: CpuSnapshot, postgresPids: ReadonlySet<number>): CpuSnapshot =>
  new Map([...snapshot].filter(([pid, { part }]) => part !== POSTGRES || postgresPids.has(pid)));

export function ingestCpuSplit(spans: IngestCpuSpans, cores = availableParallelism()): IngestCpuSplit {
  const [atStart, atStop, atEnd] = [spans.atStart, spans.atStop, spans.atEnd].map((s) => onlyOurs(s, spans.postgresPids)) as [CpuSnapshot, CpuSnapshot, CpuSnapshot];
  const process = costOf({ before: atStop, after: atEnd }, spans.processedInDrain);
  const load = costOf({ before: atStart, after: atStop }, spans.appended);
  const processedShare = spans.processedDuringLoad / Math.max(1, spans.appended);
  const append: CpuCost = {
    gatewayMs: Math.max(0, load.gatewayMs - processedShare * process.gatewayMs),
    postgresMs: Math.max(0, load.postgresMs - processedShare * process.postgresMs),
  };
  const perSecond = (ms: number) => (ms <= 0 ? Infinity : (cores * 1000 * 1000) / ms);
  return { append, process, appendCeiling: perSecond(total(append)), sustainedCeiling: perSecond(total(append) + total(process)) };
}
