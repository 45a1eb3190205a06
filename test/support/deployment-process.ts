import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../platform/config/config.js';
import { allowLocalOutbound } from '../../platform/outbound/outbound-config.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The environment that makes a process part of `config`'s deployment: its
 * database, Redis namespace, Temporal queue and master key, and the settings a
 * test or benchmark gave its deployment (outbound rules, limits, recovery),
 * so a process spawned from it behaves as the deployment's gateway in the
 * calling process does.
 */
export function deploymentEnv(config: Config): Record<string, string | undefined> {
  return {
    NODE_ENV: config.NODE_ENV,
    LOG_LEVEL: 'info',
    DATABASE_URL: config.DATABASE_URL,
    DATABASE_POOL_SIZE: String(config.DATABASE_POOL_SIZE),
    REDIS_URL: config.REDIS_URL,
    REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    SECRETS_MASTER_KEY: config.SECRETS_MASTER_KEY,
    // As the deployment decided it (ALLOW_LOCAL_OUTBOUND, or its older name outside production).
    ALLOW_LOCAL_OUTBOUND: String(allowLocalOutbound(config)),
    RDAP_BOOTSTRAP_URL: config.RDAP_BOOTSTRAP_URL,
    ...(config.OUTBOUND_DNS_SERVERS === undefined ? {} : { OUTBOUND_DNS_SERVERS: config.OUTBOUND_DNS_SERVERS.join(',') }),
    // A test's load is not refused by limits meant for the internet.
    RATE_LIMIT_PER_MINUTE: String(config.RATE_LIMIT_PER_MINUTE),
    INGEST_RATE_LIMIT_PER_MINUTE: String(config.INGEST_RATE_LIMIT_PER_MINUTE),
    INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE: String(config.INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE),
    INGEST_VISITOR_RATE_LIMIT_PER_MINUTE: String(config.INGEST_VISITOR_RATE_LIMIT_PER_MINUTE),
    // Test files share one database: a process of one never takes up another's lanes unless its deployment says so.
    INGEST_RECOVER_AFTER_SECONDS: String(config.INGEST_RECOVER_AFTER_SECONDS),
  };
}

export interface StartedProcess {
  readonly child: ChildProcess;
  /** What the process wrote so far, for a failing test to show. */
  output(): string;
  /** Resolves once the process is gone. */
  readonly exited: Promise<void>;
}

/**
 * An entry point of the repository (`composition/worker.main.ts`, say) in a
 * process of its own, resolved once its output shows `ready`; rejected if it
 * exits first or is not ready within 90 s.
 */
export async function startProcess(entry: string, env: Readonly<Record<string, string | undefined>>, ready: string, nodeFlags: readonly string[] = []): Promise<StartedProcess> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} was not ready in 90 s:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before it was ready:\n${output}`));
    });
  });
  return { child, output: () => output, exited };
}
