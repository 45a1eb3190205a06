/**
 * Temporal's payload codec: every payload of a tenant's workflow (inputs,
 * activity arguments and results, signals, heartbeats, failures' messages) is
 * stored in the history encrypted with the tenant's data key (AES-256-GCM).
 * The tenant is the one the workflow id names (`<kind>:<tenant>…`); the
 * platform's own workflows (migrations, network syncs, offboarding) carry no
 * tenant data and stay as they are. Destroying a tenant's key leaves every
 * history it wrote unreadable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import proto from '@temporalio/proto';
import { tenantOfWorkflow } from '../tenants/offboarding/tenant-footprint.js';
import type { TenantDataKey, TenantDataKeys } from '../tenants/secrets/tenant-data-keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const CIPHER = 'encryption-cipher';
const CIPHER_NAME = 'AES-256-GCM';
// CommonJS: Node's ESM sees its default export only.
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const textOf = (value: Uint8Array | null | undefined): string | undefined => (value == null ? undefined : new TextDecoder().decode(value));

/** The key id an encrypted payload names; undefined for a payload this codec did not encrypt. */
export function encryptionKeyIdOf(payload: Payload): string | undefined {
  if (textOf(payload.metadata?.['encoding']) !== ENCRYPTED_ENCODING) return undefined;
  return textOf(payload.metadata?.[KEY_ID]);
}

function encrypt(payload: Payload, key: TenantDataKey): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
  // The key id is authenticated with the bytes: a payload relabelled with another key does not open.
  cipher.setAAD(Buffer.from(key.id));
  const plain = PayloadMessage.encode(payload).finish();
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID]: text(key.id), [CIPHER]: text(CIPHER_NAME) }, data: sealed };
}

function decrypt(payload: Payload, key: TenantDataKey): Payload {
  const data = Buffer.from(payload.data ?? new Uint8Array());
  if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`an encrypted payload of ${data.length} bytes is too short`);
  const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(key.id));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  const decoded = PayloadMessage.decode(plain);
  return { metadata: decoded.metadata, data: decoded.data };
}

export interface TenantPayloadCodec extends PayloadCodec {
  /** Encrypts for a tenant named outright (the codec endpoint's encode, where no workflow says whose it is). */
  encodeFor(tenantId: string, payloads: Payload[]): Promise<Payload[]>;
  /** Decodes what can be; a payload under a destroyed or unknown key stays as it is (the codec endpoint shows it encrypted). */
  decodeWhatCan(payloads: Payload[]): Promise<Payload[]>;
}

export function createTenantPayloadCodec(keys: TenantDataKeys): TenantPayloadCodec {
  async function encodeFor(tenantId: string, payloads: Payload[]): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const key = await keys.current(tenantId);
    // An offboarded tenant's workflows are terminated; writing its data in the clear would undo the shredding.
    if (key === undefined) throw new Error(`tenant ${tenantId}'s data key is destroyed: its payloads cannot be encoded`);
    return payloads.map((payload) => (encryptionKeyIdOf(payload) === undefined ? encrypt(payload, key) : payload));
  }

  async function decodeEach(payloads: Payload[], unreadable: (payload: Payload, keyId: string) => Payload): Promise<Payload[]> {
    const decoded: Payload[] = [];
    for (const payload of payloads) {
      const keyId = encryptionKeyIdOf(payload);
      if (keyId === undefined) {
        decoded.push(payload);
        continue;
      }
      const key = await keys.byId(keyId);
      decoded.push(key === undefined ? unreadable(payload, keyId) : decrypt(payload, key));
    }
    return decoded;
  }

  return {
    async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
      const tenantId = context?.workflowId === undefined ? undefined : tenantOfWorkflow(context.workflowId);
      return tenantId === undefined ? payloads : encodeFor(tenantId, payloads);
    },

    decode: (payloads) =>
      decodeEach(payloads, (_payload, keyId) => {
        throw new Error(`the data key ${keyId} is destroyed or unknown: the payload cannot be decoded`);
      }),

    encodeFor,
    decodeWhatCan: (payloads) => decodeEach(payloads, (payload) => payload),
  };
}
