import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../platform/config/config.js';
import { allowLocalOutbound } from '../../platform/outbound/outbound-config.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run worker` as a deployment runs it: its own process (so a test can
 * SIGKILL it, and a benchmark's worker gets a core of its own), on the
 * gateway's database, Redis, Temporal queue and master key. Resolves once the
 * worker polls its queue.
 */
export function spawnWorker(gateway: { readonly config: Config }, extraEnv: Readonly<Record<string, string>> = {}): Promise<ChildProcess> {
  const { config } = gateway;
  // Node flags for the worker alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile a benchmark's worker.
  const nodeFlags = process.env['WORKER_NODE_FLAGS']?.split(' ').filter((flag) => flag !== '') ?? [];
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'composition/worker.main.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: config.NODE_ENV,
      LOG_LEVEL: 'info',
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      SECRETS_MASTER_KEY: config.SECRETS_MASTER_KEY,
      // As the gateway decided it (ALLOW_LOCAL_OUTBOUND, or its older name outside production).
      ALLOW_LOCAL_OUTBOUND: String(allowLocalOutbound(config)),
      ...(config.OUTBOUND_DNS_SERVERS === undefined ? {} : { OUTBOUND_DNS_SERVERS: config.OUTBOUND_DNS_SERVERS.join(',') }),
      // What a caller adds (a benchmark's CA to trust, its DNS servers).
      ...extraEnv,
    },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('temporal worker running')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it started:\n${output}`));
    });
  });
}
