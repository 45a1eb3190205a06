import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** ADMIN_TOKEN when set; else one generated on the first start and kept (mode 600) under the data dir. */
export async function loadAdminToken(opts: { configured: string | undefined; dataDir: string }): Promise<{ token: string; generated: boolean }> {
  if (opts.configured !== undefined) return { token: opts.configured, generated: false };
  const file = join(opts.dataDir, 'admin-token');
  try {
    return { token: (await readFile(file, 'utf8')).trim(), generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(opts.dataDir, { recursive: true });
  const token = `adm_${randomBytes(24).toString('base64url')}`;
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true };
}
