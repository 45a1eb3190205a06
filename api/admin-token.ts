import { randomBytes } from 'node:crypto';
import { keptSecret } from '../platform/secrets/kept-secret.js';

/** ADMIN_TOKEN when set; else one generated on the first start and kept under the data dir. */
export async function loadAdminToken(opts: { configured: string | undefined; dataDir: string }): Promise<{ token: string; generated: boolean }> {
  if (opts.configured !== undefined) return { token: opts.configured, generated: false };
  const kept = await keptSecret(opts.dataDir, 'admin-token', () => `adm_${randomBytes(24).toString('base64url')}`);
  return { token: kept.value, generated: kept.generated };
}
