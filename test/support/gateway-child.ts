import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Config } from '../../platform/config/config.js';
import { findFreePort } from '../../platform/embedded/free-port.js';
import { deploymentEnv, startProcess } from './deployment-process.js';

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
  const port = await findFreePort();
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  const env = { ...deploymentEnv(deployment.config), HOST: '127.0.0.1', PORT: String(port), ADMIN_TOKEN: adminToken, ...extraEnv };
  const { child, output, exited } = await startProcess('composition/gateway.main.ts', env, '"gateway listening"');
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    process: child,
    output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
