/**
 * Ingestion's back half: consumes each tenant's log, lane by lane, from its
 * recorded positions, in two stages that run side by side:
 *
 * - model: a chunk of messages is written (stitching, sessions, companies,
 *   leads, consent) and the leads it wrote are handed on (`ingest_touched`),
 *   with the model cursor's move, in one transaction;
 * - evaluation: the leads of one or more such chunks (a lead written by
 *   several is evaluated once) are scored and matched to segments, webhook
 *   deliveries and the outbox row are recorded, the handed-on rows removed
 *   and the processed cursor moved, in one transaction.
 *
 * So every effect happens once whatever crashes when; what must then be told
 * outside the database (subscribers, webhook workflows, enrichment) is in the
 * outbox until told. One transaction per tenant, lane and stage at a time
 * over every process (advisory locks), so several processors share tenants
 * without ever processing a message twice. The two lanes of a tenant run side
 * by side: a visitor's own call is not queued behind an import. They meet
 * only on the identity locks of the identifiers they share (identity-locks.ts).
 */
import type { IpStorage } from '../../../intelligence/ip/mask-ip.js';
import type { Logger } from '../../../platform/logging/logger.js';
import type { ControlDb } from '../../../platform/postgres/control-db.js';
import type { HashKeys } from '../../../tenants/secrets/hash-keys.js';
import type { TenantDatabases, TenantDb, TenantIdentity } from '../../../tenants/tenant-db.js';
import { countDroppedEvents } from '../../../tenants/usage/dropped-events.js';
import type { NetworkCompanies } from '../../companies/network-company-lookup.js';
import type { LeadChange } from '../../lead-changes/lead-evaluation.js';
import { recordConsentEvents } from '../../privacy/consent-changes.js';
import { writeRun, type MessageOutcome } from './batch-writer.js';
import { effectsJson, effectsOf, hasEffects, type ChunkEffects } from './chunk-effects.js';
import type { IdentifiedLead } from './event-store.js';
import { identityKeys } from './identity-locks.js';
import { resolveLead } from './identity-resolver.js';
import { lockIdentities } from './ingest.repository.js';
import type { IngestLog } from './ingest-log.js';
import {
  advanceCursor,
  deleteLogRows,
  dropProcessedPartitions,
  ensureLogPartitions,
  forgetEffects,
  forgetTouched,
  laneLockStatement,
  readTouched,
  recordDeadLetter,
  recordEffects,
  recordTouched,
  strandedEffects,
  tenantsProcessedSince,
  type Stage,
} from './ingest-log.repository.js';
import { logEntryOf, URGENT_LANE, type Lane, type LogEntry, type LogRow } from './log-entry.js';
import { prepareMessage, type PreparedMessage } from './prepared-message.js';
import { checkSuppressions } from './suppression-check.js';

export interface ChunkSizes {
  /** Messages per model transaction of a visitor's own calls. */
  readonly urgent: number;
  readonly bulk: number;
  /** Bulk's chunk while the tenant's visitors are calling (within the last second): the visitor's identity locks wait for at most this. */
  readonly bulkWhileUrgent: number;
  /** Leads per evaluation transaction at most (at least one model chunk's). */
  readonly evaluationLeads: number;
}

export interface LogProcessorDeps {
  readonly log: IngestLog;
  readonly control: ControlDb;
  readonly tenantDbs: TenantDatabases;
  readonly networkCompanies: NetworkCompanies;
  readonly ipStorageOf: (tenantId: string) => Promise<IpStorage>;
  /** Keys the suppression hashes the model stage checks each chunk's identifiers against. */
  readonly hashKeys: HashKeys;
  /** Scores and memberships of the leads, in the evaluation's transaction; what changed. */
  readonly evaluate: (tx: TenantDb, leadIds: readonly string[]) => Promise<LeadChange[]>;
  /** In the chunk's transaction: the webhook deliveries the changes call for, recorded; their ids. */
  readonly enqueueDeliveries: (tx: TenantDb, changes: readonly LeadChange[]) => Promise<string[]>;
  /** After the commit: subscribers, webhook workflows, enrichment. Told again if the process stops first (at least once; each sink is idempotent or dedupes by id). */
  readonly tell: (tenant: TenantDb, effects: ChunkEffects) => Promise<void>;
  /** Runs between a chunk's effects told and their outbox row cleared: the fault tests kill the process there. */
  readonly afterTell?: () => void;
  /** The lane's processed cursor moved (committed): its messages are written and evaluated. */
  readonly onProcessed?: (tenant: TenantDb, lane: Lane, position: number, chunk: { readonly messages: number; readonly oldestReceivedAt: Date }) => void;
  readonly logger: Logger;
  readonly chunk: ChunkSizes;
  /** Lanes processed at once in this process, per lane kind. */
  readonly concurrency: number;
  /** How often lanes nobody moves and effects nobody told are looked for. */
  readonly sweepMs: number;
  /**
   * A lane whose cursor has not moved for this long (a stopped processor's) is
   * taken up by any; effects untold this long are told. Undefined: this
   * process recovers nobody else's work, only retries its own failed tells.
   */
  readonly recoverAfterMs: number | undefined;
  /** Processed daily partitions are kept this many days, then dropped. */
  readonly retainDays: number;
  /** How long stop waits for tells in flight (calls out to Temporal, Redis) before leaving them to the outbox. */
  readonly tellGraceMs: number;
  readonly now: () => Date;
}

export interface LogProcessor {
  /** There may be messages in the lane: processed soon, here (or by whichever processor holds the lane). */
  wake(tenant: TenantIdentity, lane: Lane, stage?: Stage): void;
  /** Processes the lane until it is empty (tests, tools); resolves the messages processed. */
  processAll(tenant: TenantDb, lane: Lane): Promise<number>;
  /**
   * Nothing new starts; the chunks in flight finish, and the tells in flight
   * get `tellGraceMs`: one still waiting then (an outside service not
   * answering) is left to the outbox, whose recovery tells it again.
   */
  stop(): Promise<void>;
}

const RETRYABLE = new Set(['40P01', '40001']);
const sqlStateOf = (error: unknown): string | undefined => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};
const isRetryable = (error: unknown) => RETRYABLE.has(sqlStateOf(error) ?? '');
const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
/**
 * Whether a failure is the message's own (bad data for a column, a broken
 * constraint, our code's error on its content) rather than the database's
 * state (a restart, a timeout, a lost connection): only a message's own fault
 * ever sets it aside; anything else is waited out.
 */
const isMessageFault = (error: unknown): boolean => {
  const state = sqlStateOf(error);
  if (state !== undefined) return state.startsWith('22') || state.startsWith('23');
  return error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError;
};
const URGENT_RECENT_MS = 1_000;
const UPKEEP_EVERY_MS = 3_600_000;
const PARTITION_DAYS_AHEAD = 2;
/** Attempts of a single message before it becomes a dead letter. */
const SINGLE_MESSAGE_ATTEMPTS = 3;
const MAX_BACKOFF_MS = 30_000;
/** Stranded effects one sweep tells per tenant at most; the next sweep goes on. */
const STRANDED_PER_SWEEP = 100;
const STARTUP_LOOKBACK_MS = 86_400_000;

/**
 * Messages in order: set-based runs, and between them the rare message whose
 * identity needs a merge or a conflict record, resolved row by row; its lead
 * then opens the next run.
 */
async function writeMessages(tx: TenantDb, items: readonly PreparedMessage[], networkCompanies: NetworkCompanies): Promise<MessageOutcome[]> {
  const outcomes: MessageOutcome[] = [];
  let firstLeadId: string | undefined;
  while (outcomes.length < items.length) {
    const run = await writeRun(tx, items.slice(outcomes.length), { networkCompanies, firstLeadId });
    outcomes.push(...run.outcomes);
    const next = items[outcomes.length];
    firstLeadId = next === undefined ? undefined : await resolveLead(tx, next.message);
  }
  return outcomes;
}

/** The leads whose message gave them an email or a company, once each, by who sent it. */
function identifiedLeads(entries: readonly LogEntry[], prepared: readonly PreparedMessage[], outcomes: readonly MessageOutcome[]): ChunkEffects['identified'] {
  const found = { public: new Map<string, IdentifiedLead>(), tenant: new Map<string, IdentifiedLead>() };
  outcomes.forEach((outcome, i) => {
    const entry = entries[i];
    if (entry === undefined || outcome.duplicate) return;
    if (entry.message.email === undefined && prepared[i]?.groupCompany === undefined) return;
    const bySource = found[entry.source];
    if (!bySource.has(outcome.leadId)) bySource.set(outcome.leadId, { leadId: outcome.leadId, anonymousId: entry.message.anonymousId });
  });
  return { public: [...found.public.values()], tenant: [...found.tenant.values()] };
}

interface ModelDone {
  readonly messages: number;
  readonly position: number;
}

interface EvaluationDone {
  readonly position: number;
  /** Log positions the evaluation covered (the messages now processed). */
  readonly messages: number;
  readonly oldestReceivedAt: Date;
  readonly effects: ChunkEffects;
  readonly effectsId: number | undefined;
}

const mergeIdentified = (chunks: ReadonlyArray<{ identified: unknown }>): ChunkEffects['identified'] => {
  const merged = { public: new Map<string, IdentifiedLead>(), tenant: new Map<string, IdentifiedLead>() };
  for (const { identified } of chunks) {
    const each = identified as ChunkEffects['identified'];
    for (const source of ['public', 'tenant'] as const) for (const lead of each[source]) if (!merged[source].has(lead.leadId)) merged[source].set(lead.leadId, lead);
  }
  return { public: [...merged.public.values()], tenant: [...merged.tenant.values()] };
};

interface LaneTask {
  readonly tenant: TenantDb;
  readonly lane: Lane;
  readonly stage: Stage;
  running: boolean;
  /** Woken while running: look again before stopping. */
  again: boolean;
  /** Runs in a row that ended in an error: the next waits longer. */
  failures: number;
  /** Tries of the one message a narrowed chunk holds. */
  singleFailures: number;
  /** Messages per chunk after failures (halved to find the message that fails); undefined: the lane's usual size. */
  narrowedTo: number | undefined;
  retryTimer: NodeJS.Timeout | undefined;
}

export function createLogProcessor(deps: LogProcessorDeps): LogProcessor {
  const tasks = new Map<string, LaneTask>();
  // Each lane kind and stage has its own slots: a visitor's lane never waits for bulk, evaluation never for writing.
  const poolOf = (task: { lane: Lane; stage: Stage }) => `${task.lane}:${task.stage}`;
  const queued = new Map<string, string[]>();
  const running = new Map<string, number>();
  const lastUrgent = new Map<string, number>();
  const upkeptAt = new Map<string, number>();
  // Tenants whose tell failed here: their outbox is looked at again by the next sweep.
  const untold = new Map<string, string>();
  // Each tenant's tells in order per lane, behind the processing: the lane goes on to its next chunk meanwhile, and a
  // visitor's tell never waits behind an import's.
  const tells = new Map<string, Promise<void>>();
  // Chunks in flight (stop waits for them), and tells and sweeps in flight (stop waits for them a grace period at most).
  const chunksInFlight = new Set<Promise<unknown>>();
  const tellsInFlight = new Set<Promise<unknown>>();
  let stopped = false;

  const track = <T>(into: Set<Promise<unknown>>, work: Promise<T>): Promise<T> => {
    into.add(work);
    void work.finally(() => into.delete(work)).catch(() => undefined);
    return work;
  };

  // Outbox rows this process will tell (queued behind the processing): not stranded, however long they wait, so its sweep leaves them.
  const queuedEffects = new Set<number>();

  const tellInOrder = (tenant: TenantDb, lane: Lane, effects: ChunkEffects, effectsId: number) => {
    const key = `${tenant.tenantId}:${lane}`;
    queuedEffects.add(effectsId);
    const previous = tells.get(key) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        await deps.tell(tenant, effects);
        deps.afterTell?.();
        await forgetEffects(tenant, effectsId);
      })
      // Left in the outbox: the next sweep tells it again.
      .catch((error: unknown) => {
        untold.set(tenant.tenantId, tenant.schema);
        deps.logger.error('ingestion effects not told', { error, tenantId: tenant.tenantId });
      })
      .finally(() => queuedEffects.delete(effectsId));
    tells.set(key, next);
    void track(tellsInFlight, next).finally(() => {
      if (tells.get(key) === next) tells.delete(key);
    });
  };

  const chunkSizeOf = (task: LaneTask): number => {
    if (task.narrowedTo !== undefined) return task.narrowedTo;
    if (task.stage === 'evaluation') return task.lane === URGENT_LANE ? deps.chunk.urgent : deps.chunk.evaluationLeads;
    if (task.lane === URGENT_LANE) return deps.chunk.urgent;
    const urgentAt = lastUrgent.get(task.tenant.tenantId);
    return urgentAt !== undefined && performance.now() - urgentAt < URGENT_RECENT_MS ? deps.chunk.bulkWhileUrgent : deps.chunk.bulk;
  };

  const withRetries = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        // A deadlock with the other lane over rows both touch: nothing of the transaction was committed.
        if (attempt >= 3 || !isRetryable(error)) throw error;
      }
    }
  };

  /** The model stage's work in `tx`: the next chunk after the model cursor written and handed on; undefined when none waits. */
  async function modelIn(tx: TenantDb, lane: Lane, limit: number): Promise<ModelDone | undefined> {
    const rows = await deps.log.read(tx, lane, limit);
    const last = rows.at(-1);
    if (last === undefined) return undefined;
    const parsed: LogEntry[] = [];
    for (const row of rows) {
      try {
        parsed.push(logEntryOf(row));
      } catch (error) {
        // Not a message (written by hand, or by a version that wrote another shape): set aside whole, the lane goes on.
        await recordDeadLetter(tx, lane, row, errorText(error));
        deps.logger.error('an ingestion log row is not a message and was set aside', { error, tenantId: tx.tenantId, lane, position: row.position });
      }
    }
    // Against the suppressions committed now: an erasure's is read here, or it waited for this chunk to commit.
    const { kept: entries, dropped } = await checkSuppressions(tx, deps.hashKeys, parsed);
    if (dropped.length > 0) {
      await deleteLogRows(tx, lane, dropped.map((entry) => entry.position));
      await countDroppedEvents(tx, 'suppressed', dropped.length);
    }
    const storage = await deps.ipStorageOf(tx.tenantId);
    const prepared = entries.map((entry) => prepareMessage(entry.message, entry.ip, storage));
    await lockIdentities(
      tx,
      identityKeys(
        tx.schema,
        entries.map((entry) => entry.message),
      ),
    );
    const outcomes = await writeMessages(tx, prepared, deps.networkCompanies);
    await recordConsentEvents(
      tx,
      prepared.flatMap(({ consent, message }, i) => {
        const outcome = outcomes[i];
        if (consent === undefined || outcome === undefined || outcome.duplicate) return [];
        return [{ ...consent, leadId: outcome.leadId, anonymousId: message.anonymousId ?? null, at: message.at }];
      }),
    );
    const written = [...new Set(outcomes.filter((o) => !o.duplicate).map((o) => o.leadId))];
    await recordTouched(tx, lane, {
      position: last.position,
      leadIds: written,
      identifiedJson: JSON.stringify(identifiedLeads(entries, prepared, outcomes)),
      receivedAt: (rows[0] as LogRow).receivedAt,
    });
    await deps.log.advance(tx, lane, last.position);
    return { messages: rows.length, position: last.position };
  }

  /** The evaluation stage's work in `tx`: the leads of the model chunks handed on, evaluated; undefined when none waits. */
  async function evaluateIn(tx: TenantDb, lane: Lane, maxLeads: number): Promise<EvaluationDone | undefined> {
    const { processed, chunks } = await readTouched(tx, lane, maxLeads);
    const last = chunks.at(-1);
    if (last === undefined) return undefined;
    const oldestReceivedAt = chunks.reduce((oldest, chunk) => (chunk.receivedAt < oldest ? chunk.receivedAt : oldest), last.receivedAt);
    const changes = await deps.evaluate(tx, [...new Set(chunks.flatMap((chunk) => chunk.leadIds))]);
    const effects: ChunkEffects = { changes, identified: mergeIdentified(chunks), deliveryIds: await deps.enqueueDeliveries(tx, changes) };
    const effectsId = hasEffects(effects) ? await recordEffects(tx, effectsJson(effects)) : undefined;
    await forgetTouched(tx, lane, last.position);
    await advanceCursor(tx, lane, last.position);
    return { position: last.position, messages: last.position - processed, oldestReceivedAt, effects, effectsId };
  }

  /** One model chunk in one transaction; undefined when the lane had nothing after its model cursor. */
  function modelChunk(tenant: TenantDb, lane: Lane, limit: number): Promise<ModelDone | undefined> {
    return withRetries(() => tenant.transaction((tx) => modelIn(tx, lane, limit), { opening: laneLockStatement(tenant.schema, lane, 'model') }));
  }

  /** The leads of the next model chunks evaluated in one transaction; undefined when none waits. */
  function evaluationChunk(tenant: TenantDb, lane: Lane, maxLeads: number): Promise<EvaluationDone | undefined> {
    return withRetries(() =>
      tenant.transaction((tx) => evaluateIn(tx, lane, maxLeads), { opening: laneLockStatement(tenant.schema, lane, 'evaluation') }),
    );
  }

  /** The lane's next message, which failed alone every time, moved out of the way with its error. */
  async function deadLetter(tenant: TenantDb, lane: Lane, error: unknown): Promise<void> {
    await tenant.transaction(
      async (tx) => {
        const [row] = await deps.log.read(tx, lane, 1);
        if (row === undefined) return;
        await recordDeadLetter(tx, lane, row, errorText(error));
        await deps.log.advance(tx, lane, row.position);
        // Handed on with no leads, so the evaluation stage's cursor passes it too.
        await recordTouched(tx, lane, { position: row.position, leadIds: [], identifiedJson: JSON.stringify({ public: [], tenant: [] }), receivedAt: row.receivedAt });
      },
      { opening: laneLockStatement(tenant.schema, lane, 'model') },
    );
    deps.logger.error('an ingested message could not be processed and was set aside', { error, tenantId: tenant.tenantId, lane });
  }

  async function upkeep(tenant: TenantDb): Promise<void> {
    const at = upkeptAt.get(tenant.tenantId);
    if (at !== undefined && Date.now() - at < UPKEEP_EVERY_MS) return;
    upkeptAt.set(tenant.tenantId, Date.now());
    await ensureLogPartitions(tenant, PARTITION_DAYS_AHEAD);
    await dropProcessedPartitions(tenant, new Date(deps.now().getTime() - deps.retainDays * 86_400_000));
  }

  /**
   * Effects recorded longer ago than the recovery delay and never told (their
   * processor stopped): told now, each by one sweeper, and each removed as it
   * is told, so a failure midway leaves only the untold ones to tell again.
   */
  async function tellStranded(tenant: TenantDb): Promise<void> {
    const before = new Date(Date.now() - (deps.recoverAfterMs ?? 0));
    for (let told = 0; told < STRANDED_PER_SWEEP && !stopped; told += 1) {
      const found = await tenant.transaction(async (tx) => {
        const [stranded] = await strandedEffects(tx, before, 1, [...queuedEffects]);
        if (stranded === undefined) return false;
        await deps.tell(tenant, effectsOf(stranded.effects));
        await forgetEffects(tx, stranded.id);
        return true;
      });
      if (!found) return;
    }
  }

  async function runTask(task: LaneTask): Promise<void> {
    const { tenant, lane } = task;
    if (task.stage === 'model') await upkeep(tenant).catch((error: unknown) => deps.logger.warn('ingestion log upkeep failed', { error, tenantId: tenant.tenantId }));
    for (;;) {
      if (stopped) return;
      task.again = false;
      if (task.stage === 'evaluation') {
        const done = await evaluationChunk(tenant, lane, chunkSizeOf(task));
        if (done === undefined) {
          if (task.again) continue;
          return;
        }
        deps.onProcessed?.(tenant, lane, done.position, done);
        if (done.effectsId !== undefined) tellInOrder(tenant, lane, done.effects, done.effectsId);
        continue;
      }
      let done: ModelDone | undefined;
      try {
        done = await modelChunk(tenant, lane, chunkSizeOf(task));
      } catch (error) {
        // The database's state (a restart, a timeout): waited out with growing pauses, the chunk unchanged.
        if (!isMessageFault(error)) throw error;
        // A message's own fault: halve at once until it is alone, then give it a few tries before it is set aside.
        const size = chunkSizeOf(task);
        if (size > 1) {
          task.narrowedTo = Math.max(1, Math.floor(size / 2));
          continue;
        }
        task.singleFailures += 1;
        if (task.singleFailures < SINGLE_MESSAGE_ATTEMPTS) throw error;
        await deadLetter(tenant, lane, error);
        task.singleFailures = 0;
        task.narrowedTo = undefined;
        wake(tenant, lane, 'evaluation');
        continue;
      }
      if (done === undefined) {
        if (task.again) continue;
        return;
      }
      task.singleFailures = 0;
      task.narrowedTo = undefined;
      wake(tenant, lane, 'evaluation');
    }
  }

  function pump(pool: string): void {
    const waiting = queued.get(pool) ?? [];
    while (!stopped && (running.get(pool) ?? 0) < deps.concurrency && waiting.length > 0) {
      const key = waiting.shift() as string;
      const task = tasks.get(key);
      if (task === undefined || task.running) continue;
      task.running = true;
      running.set(pool, (running.get(pool) ?? 0) + 1);
      void track(chunksInFlight, runTask(task))
        .then(
          () => {
            task.failures = 0;
          },
          (error: unknown) => {
            deps.logger.error('ingestion log not processed', { error, tenantId: task.tenant.tenantId, lane: task.lane, stage: task.stage });
            task.failures += 1;
            const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (task.failures - 1));
            task.retryTimer = setTimeout(() => {
              task.retryTimer = undefined;
              enqueue(key, task);
            }, backoff);
          },
        )
        .finally(() => {
          task.running = false;
          running.set(pool, (running.get(pool) ?? 1) - 1);
          if (task.again && task.retryTimer === undefined) enqueue(key, task);
          else if (task.retryTimer === undefined && task.failures === 0) tasks.delete(key);
          pump(pool);
        });
    }
  }

  function enqueue(key: string, task: LaneTask): void {
    if (stopped) return;
    const pool = poolOf(task);
    const waiting = queued.get(pool) ?? [];
    queued.set(pool, waiting);
    if (!waiting.includes(key)) waiting.push(key);
    pump(pool);
  }

  function wake(identity: TenantIdentity, lane: Lane, stage: Stage = 'model'): void {
    if (stopped) return;
    if (lane === URGENT_LANE && stage === 'model') lastUrgent.set(identity.tenantId, performance.now());
    const key = `${identity.tenantId}:${lane}:${stage}`;
    let task = tasks.get(key);
    if (task === undefined) {
      task = {
        tenant: deps.tenantDbs.ofResolved(identity),
        lane,
        stage,
        running: false,
        again: false,
        failures: 0,
        singleFailures: 0,
        narrowedTo: undefined,
        retryTimer: undefined,
      };
      tasks.set(key, task);
    }
    if (task.running) task.again = true;
    else if (task.retryTimer === undefined) enqueue(key, task);
  }

  /**
   * Lanes whose cursor nobody moved for the recovery delay, and untold
   * effects where they can be: tenants whose tell failed here, tenants of
   * such stalled lanes (their process stopped between commit and tell), and
   * once, at start, every tenant any process processed within the last day
   * (a process that stopped after its last chunk leaves no stalled lane).
   * With recovery off, only this process's failed tells.
   */
  async function sweep(): Promise<void> {
    const tenants = new Map<string, string>(untold);
    untold.clear();
    if (deps.recoverAfterMs !== undefined) await findStranded(deps.recoverAfterMs, tenants);
    for (const [tenantId, schema] of tenants) {
      if (stopped) return;
      await tellStranded(deps.tenantDbs.ofResolved({ tenantId, schema })).catch((error: unknown) => {
        untold.set(tenantId, schema);
        deps.logger.warn('stranded ingestion effects not told', { error, tenantId });
      });
    }
  }

  /** Wakes the stalled lanes; adds to `tenants` those whose effects may be stranded. */
  async function findStranded(recoverAfterMs: number, tenants: Map<string, string>): Promise<void> {
    const stale = new Date(Date.now() - recoverAfterMs);
    const lanes = await deps.log.backlog();
    for (const lane of lanes) {
      const tenant = { tenantId: lane.tenantId, schema: lane.schema };
      const modelStalled = lane.appended > lane.modeled && lane.modeledAt < stale;
      const evaluationStalled = lane.modeled > lane.processed && lane.processedAt < stale;
      if (modelStalled) wake(tenant, lane.lane, 'model');
      if (evaluationStalled) wake(tenant, lane.lane, 'evaluation');
      if (modelStalled || evaluationStalled) tenants.set(lane.tenantId, lane.schema);
    }
    if (!sweptOnce) {
      sweptOnce = true;
      for (const tenant of await tenantsProcessedSince(deps.control, new Date(Date.now() - STARTUP_LOOKBACK_MS))) tenants.set(tenant.tenantId, tenant.schema);
    }
  }
  let sweptOnce = false;

  let sweepTimer: NodeJS.Timeout | undefined;
  const sweepLoop = () => {
    if (stopped) return;
    void track(tellsInFlight, sweep())
      .catch((error: unknown) => deps.logger.warn('ingestion sweep failed', { error }))
      .finally(() => {
        if (!stopped) sweepTimer = setTimeout(sweepLoop, deps.sweepMs);
      });
  };
  sweepTimer = setTimeout(sweepLoop, 0);

  return {
    wake,
    async processAll(tenant, lane) {
      let total = 0;
      for (let done = await modelChunk(tenant, lane, deps.chunk.bulk); done !== undefined; done = await modelChunk(tenant, lane, deps.chunk.bulk)) total += done.messages;
      for (let done = await evaluationChunk(tenant, lane, deps.chunk.evaluationLeads); done !== undefined; done = await evaluationChunk(tenant, lane, deps.chunk.evaluationLeads)) {
        deps.onProcessed?.(tenant, lane, done.position, done);
        if (done.effectsId !== undefined) tellInOrder(tenant, lane, done.effects, done.effectsId);
      }
      await Promise.all([...tells.values()]);
      return total;
    },
    async stop() {
      stopped = true;
      clearTimeout(sweepTimer);
      for (const task of tasks.values()) clearTimeout(task.retryTimer);
      while (chunksInFlight.size > 0) await Promise.allSettled([...chunksInFlight]);
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, deps.tellGraceMs)));
      await Promise.race([Promise.allSettled([...tellsInFlight]), grace]);
      clearTimeout(graceTimer);
      if (tellsInFlight.size > 0) deps.logger.warn('ingestion stopped with tells in flight: left to the outbox', { tells: tellsInFlight.size });
    },
  };
}
