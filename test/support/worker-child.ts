import type { ChildProcess } from 'node:child_process';
import type { Config } from '../../platform/config/config.js';
import { deploymentEnv, startProcess } from './deployment-process.js';

/**
 * `npm run worker` as a deployment runs it: its own process (so a test can
 * SIGKILL it, and a benchmark's worker gets a core of its own), on the
 * gateway's database, Redis, Temporal queue and master key. Resolves once the
 * worker polls its queue.
 */
export async function spawnWorker(gateway: { readonly config: Config }, extraEnv: Readonly<Record<string, string>> = {}): Promise<ChildProcess> {
  // Node flags for the worker alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile a benchmark's worker.
  const nodeFlags = process.env['WORKER_NODE_FLAGS']?.split(' ').filter((flag) => flag !== '') ?? [];
  // What a caller adds (a benchmark's CA to trust, its DNS servers, a pool size).
  const env = { ...deploymentEnv(gateway.config), DATABASE_POOL_SIZE: '4', ...extraEnv };
  return (await startProcess('composition/worker.main.ts', env, 'temporal worker running', nodeFlags)).child;
}
