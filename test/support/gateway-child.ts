import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../platform/config/config.js';
import { findFreePort } from '../../platform/embedded/free-port.js';
import { allowLocalOutbound } from '../../platform/outbound/outbound-config.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayChild {
  readonly url: string;
  readonly adminToken: string;
  readonly process: ChildProcess;
  /** What the process wrote so far (its JSON log lines), for a failing test to show. */
  output(): string;
  /** SIGKILL, as a machine failure does: nothing of the process runs after it. Resolves once it is gone. */
  kill(): Promise<void>;
}

/**
 * `npm run gateway` as a deployment runs it: its own process, so a test can
 * SIGKILL it, on the database, Redis namespace, Temporal queue and master key
 * of `deployment` (another gateway of the same deployment, in the test
 * process). `extraEnv` sets what differs, INGEST_* say. Resolves once it listens.
 */
export async function spawnGateway(deployment: { readonly config: Config }, extraEnv: Readonly<Record<string, string>> = {}): Promise<GatewayChild> {
  const { config } = deployment;
  const port = await findFreePort();
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'composition/gateway.main.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: config.NODE_ENV,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_TOKEN: adminToken,
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_POOL_SIZE: String(config.DATABASE_POOL_SIZE),
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      SECRETS_MASTER_KEY: config.SECRETS_MASTER_KEY,
      ALLOW_LOCAL_OUTBOUND: String(allowLocalOutbound(config)),
      RDAP_BOOTSTRAP_URL: config.RDAP_BOOTSTRAP_URL,
      // As the deployment's gateway in the test process has them: a test's load is not refused by limits meant for the internet.
      RATE_LIMIT_PER_MINUTE: String(config.RATE_LIMIT_PER_MINUTE),
      INGEST_RATE_LIMIT_PER_MINUTE: String(config.INGEST_RATE_LIMIT_PER_MINUTE),
      INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE: String(config.INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE),
      INGEST_VISITOR_RATE_LIMIT_PER_MINUTE: String(config.INGEST_VISITOR_RATE_LIMIT_PER_MINUTE),
      INGEST_RECOVER_AFTER_SECONDS: String(config.INGEST_RECOVER_AFTER_SECONDS),
      ...extraEnv,
    },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"gateway listening"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before it listened:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    process: child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
