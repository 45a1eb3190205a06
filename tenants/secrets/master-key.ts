import { randomBytes } from 'node:crypto';
import { problemText } from '../../platform/outcome.js';
import { keptSecret } from '../../platform/secrets/kept-secret.js';
import { createSecretBox, masterKeyFrom, type SecretBox } from './secret-box.js';
import type { Config } from '../../platform/config/config.js';

/**
 * The deployment's master key: SECRETS_MASTER_KEY when set; in production it
 * must be, since a key generated on one machine cannot open what another
 * sealed. Elsewhere one is generated once and kept under the data dir, beside
 * the embedded database it protects. Tenant secrets are sealed under it, and
 * the keys of hashes that must reveal nothing are derived from it.
 */
export async function loadMasterKey(config: Pick<Config, 'SECRETS_MASTER_KEY' | 'NODE_ENV' | 'DATA_DIR'>): Promise<Buffer> {
  let text = config.SECRETS_MASTER_KEY;
  if (text === undefined) {
    if (config.NODE_ENV === 'production') throw new Error('SECRETS_MASTER_KEY is required in production (openssl rand -base64 32)');
    text = (await keptSecret(config.DATA_DIR, 'secrets-master-key', () => randomBytes(32).toString('base64'))).value;
  }
  const key = masterKeyFrom(text);
  if (!key.ok) throw new Error(`SECRETS_MASTER_KEY: ${problemText(key.problem)}`);
  return key.value;
}

/** The box tenant secrets (vendor API keys, webhook signing secrets) are sealed in. */
export async function loadSecretBox(config: Pick<Config, 'SECRETS_MASTER_KEY' | 'NODE_ENV' | 'DATA_DIR'>): Promise<SecretBox> {
  return createSecretBox(await loadMasterKey(config));
}
