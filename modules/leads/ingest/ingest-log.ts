/**
 * The ingestion log as the rest of ingestion sees it: one interface, so the
 * store behind it can change (DESIGN.md, "Scaling out"). The PostgreSQL log
 * is the one built: the append is a commit, and the processor's reads, its
 * cursor and its effects share the processing transaction, which is what
 * makes each effect happen once. A distributed log would keep the cursor and
 * the dedupe in PostgreSQL beside the effects and move only `append` and
 * `read` to its topics.
 */
import type { ControlDb } from '../../../platform/postgres/control-db.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import {
  advanceModelCursor,
  appendToLog,
  lanesWithBacklog,
  processedPosition,
  readLogChunk,
  type Appended,
  type LaneBacklog,
} from './ingest-log.repository.js';
import type { Lane, LogAppend, LogRow } from './log-entry.js';

export interface IngestLog {
  /** Appends the messages not accepted before (by messageId, ever), durably; their positions and the lane's head. */
  append(tenant: TenantDb, lane: Lane, entries: readonly LogAppend[]): Promise<Appended>;
  /** In the model stage's transaction (holding the lane): up to `limit` rows after the lane's model cursor, in order. */
  read(tx: TenantDb, lane: Lane, limit: number): Promise<LogRow[]>;
  /** In the model stage's transaction: the lane is written to the model up to `position`, committed with what it wrote. */
  advance(tx: TenantDb, lane: Lane, position: number): Promise<void>;
  /** The lane's processed position (model written and evaluated) as committed. */
  processed(tenant: TenantDb, lane: Lane): Promise<number>;
  /** Every lane of every active tenant with messages not processed yet. */
  backlog(): Promise<LaneBacklog[]>;
}

export function createPostgresIngestLog(control: ControlDb): IngestLog {
  return {
    append: appendToLog,
    read: readLogChunk,
    advance: advanceModelCursor,
    processed: processedPosition,
    backlog: () => lanesWithBacklog(control),
  };
}
