import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A secret generated on the first start and kept (mode 600) under the data
 * dir, for single-machine installs; a deployment configures its own instead.
 * Two processes starting at once agree: the second one's exclusive create
 * fails and it reads the first one's.
 */
export async function keptSecret(dataDir: string, name: string, generate: () => string): Promise<{ value: string; generated: boolean }> {
  const file = join(dataDir, name);
  const read = async () => (await readFile(file, 'utf8')).trim();
  try {
    return { value: await read(), generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const value = generate();
  try {
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { value: await read(), generated: false };
    throw error;
  }
  return { value, generated: true };
}
