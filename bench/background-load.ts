import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Database } from '../platform/postgres/database.js';
import type { IngestLoadOptions } from './ingest-load.js';

const INGEST_LOAD = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));

const loadReport = z.object({ seconds: z.number(), accepted: z.number(), refusals: z.record(z.string(), z.number()) }).loose();

export type BackgroundLoadReport = z.infer<typeof loadReport>;

export interface BackgroundLoad {
  /** True from the moment the load ended (its process still reports after). */
  stopped(): boolean;
  readonly report: Promise<BackgroundLoadReport>;
  kill(): void;
}

/**
 * The ingestion benchmark's load generator (ingest-load.ts) in its own
 * process, not awaited: something else is measured while it runs.
 */
export function startBackgroundLoad(options: IngestLoadOptions): BackgroundLoad {
  const child = spawn(process.execPath, ['--import', 'tsx', INGEST_LOAD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'close');
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let stopped = false;
  const report = (async () => {
    let output = '';
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'stopped') stopped = true;
      else output = line;
    }
    await exited;
    if (child.exitCode !== 0) throw new Error(`ingest-load exited with ${child.exitCode}: ${stderr}`);
    return loadReport.parse(JSON.parse(output));
  })();
  // The caller awaits it; this only keeps a failure before then from being an unhandled rejection.
  report.catch(() => undefined);
  return { stopped: () => stopped, report, kill: () => void child.kill() };
}

export const newestEvent = async (db: Database, schema: string): Promise<number> =>
  Number((await db.query<{ id: string }>(`select coalesce(max(id), 0)::text as id from ${schema}.events`))[0]?.id ?? 0);

/** Until the load has committed rows past `before`: what runs next runs beside a load already under way. */
export async function loadUnderWay(db: Database, schema: string, before: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await newestEvent(db, schema)) === before) {
    if (Date.now() > deadline) throw new Error('the background load committed nothing in 30 s');
    await sleep(50);
  }
}
