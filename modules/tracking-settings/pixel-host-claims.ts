import { randomBytes } from 'node:crypto';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { pixelHostRefusal } from './pixel-host-rules.js';
import { proofRecords, type ProofChecker, type ProofRecord } from './pixel-host-proof.js';
import * as repository from './tracking-settings.repository.js';
import type { ClaimRow } from './tracking-settings.repository.js';

export type PixelHostStatus = 'pending' | 'active';
/** Who vouched for the host: the tenant's DNS proof, the operator at createTenant, or the rules before proofs. */
export type PixelHostOrigin = 'tenant' | 'operator' | 'legacy';

export interface PixelHostClaim {
  readonly host: string;
  readonly status: PixelHostStatus;
  readonly origin: PixelHostOrigin;
  readonly provenBy: 'TXT' | 'CNAME' | null;
  /** Records any one of which proves the claim; empty for hosts the operator vouched for. */
  readonly records: readonly ProofRecord[];
  readonly verifiedAt: Date | null;
  readonly lastCheckedAt: Date | null;
  readonly failedChecks: number;
  readonly lastCheckError: string | null;
}

export type RecheckResult = 'kept' | 'deactivated' | 'failed' | 'unreachable' | 'gone';

/** One owner of `control.pixel_hosts`: claims, proofs and their re-checks. */
export interface PixelHostClaims {
  /** A pending claim of `host` (already normalised and allowed) for the tenant; its own claim again is returned as it is. */
  claim(tenantId: string, host: string): Promise<Outcome<PixelHostClaim>>;
  /** Checks the claim's proof now: a pending claim becomes active when proven; an active one is re-checked. */
  verify(tenantId: string, host: string): Promise<Outcome<PixelHostClaim>>;
  list(tenantId: string): Promise<PixelHostClaim[]>;
  activeHosts(tenantId: string): Promise<string[]>;
  remove(tenantId: string, host: string): Promise<boolean>;
  /** An active tenant-proven host whose proof is gone `graceChecks` checks in a row goes back to pending. */
  recheck(tenantId: string, host: string, graceChecks: number): Promise<RecheckResult>;
  /** Active hosts that tenants proved, in host order after `after` (for a re-check in pages). */
  provenHosts(opts: { tenantId?: string; after?: { host: string; tenantId: string }; limit: number }): Promise<Array<{ host: string; tenantId: string }>>;
}

const UNIQUE_VIOLATION = '23505';
// As many as the operator may give at createTenant; claims cost a row and a DNS check each.
export const MAX_HOSTS_PER_TENANT = 50;

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === UNIQUE_VIOLATION;

const PROOFS = ['TXT', 'CNAME'] as const;
const isStatus = (text: string): text is PixelHostStatus => text === 'pending' || text === 'active';
const isOrigin = (text: string): text is PixelHostOrigin => text === 'tenant' || text === 'operator' || text === 'legacy';
const isProof = (text: string): text is 'TXT' | 'CNAME' => (PROOFS as readonly string[]).includes(text);

function checked<T extends string>(text: string, is: (text: string) => text is T, what: string): T {
  if (!is(text)) throw new Error(`a pixel host's ${what} is ${text}`);
  return text;
}

export function createPixelHostClaims(deps: {
  control: ControlDb;
  check: ProofChecker;
  cnameTarget: string | undefined;
  /** Every change of what a host serves is announced, so cached sites are evicted everywhere. */
  changed: (tenantId: string) => Promise<void>;
  /** The platform's own names (platformHostNames): never claimed, nor any name under them. */
  platformNames: readonly string[];
}): PixelHostClaims {
  const refused = (host: string): Outcome<never> | undefined => {
    const refusal = pixelHostRefusal(host, deps.platformNames);
    return refusal === undefined ? undefined : failure(invalidInput(['host'], `${host} ${refusal}`));
  };

  // The table's checks allow only these values; one that is not is a broken row.
  const toClaim = (row: ClaimRow): PixelHostClaim => ({
    host: row.host,
    status: checked(row.status, isStatus, 'status'),
    origin: checked(row.origin, isOrigin, 'origin'),
    provenBy: row.proven_by === null ? null : checked(row.proven_by, isProof, 'proof'),
    records: row.origin === 'tenant' || row.status === 'pending' ? proofRecords(row.host, row.token, deps.cnameTarget) : [],
    verifiedAt: row.verified_at,
    lastCheckedAt: row.last_checked_at,
    failedChecks: row.failed_checks,
    lastCheckError: row.last_check_error,
  });

  const rowOf = (tenantId: string, host: string) => repository.pixelHostClaim(deps.control, tenantId, host);
  const record = (tenantId: string, host: string, error: string | null) => repository.recordPixelHostCheck(deps.control, tenantId, host, error);

  async function activate(tenantId: string, row: ClaimRow): Promise<Outcome<PixelHostClaim>> {
    const check = await deps.check(row.host, row.token);
    if (check.kind !== 'proven') {
      await record(tenantId, row.host, check.detail);
    } else {
      try {
        await repository.activatePixelHost(deps.control, tenantId, row.host, check.by);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another tenant's claim is active: it gives way only when its own proof lapses (or the operator removes it).
        await record(tenantId, row.host, 'the host serves another account');
        return failure(invalidInput(['host'], `${row.host} serves another account; it can move once that account's proof lapses`));
      }
      await deps.changed(tenantId);
    }
    const after = await rowOf(tenantId, row.host);
    return after === undefined ? failure(notFound('PixelHost')) : success(toClaim(after));
  }

  async function recheck(tenantId: string, host: string, graceChecks: number): Promise<RecheckResult> {
    const row = await rowOf(tenantId, host);
    if (row === undefined || row.status !== 'active' || row.origin !== 'tenant') return 'gone';
    const check = await deps.check(host, row.token);
    if (check.kind === 'unreachable') {
      await record(tenantId, host, check.detail);
      return 'unreachable';
    }
    if (check.kind === 'proven') {
      await repository.keepPixelHost(deps.control, tenantId, host, check.by);
      return 'kept';
    }
    const status = await repository.failPixelHostCheck(deps.control, { tenantId, host, error: check.detail, graceChecks });
    if (status !== 'pending') return 'failed';
    await deps.changed(tenantId);
    return 'deactivated';
  }

  return {
    async claim(tenantId, host) {
      const refusal = refused(host);
      if (refusal !== undefined) return refusal;
      const servedFor = await repository.tenantsServedByHost(deps.control, host);
      if (servedFor.some((holder) => holder !== tenantId)) return failure(invalidInput(['host'], `${host} is already registered`));
      const held = await repository.pixelHostsHeld(deps.control, tenantId, host);
      if (held.count >= MAX_HOSTS_PER_TENANT && !held.mine) {
        return failure(invalidInput(['host'], `at most ${MAX_HOSTS_PER_TENANT} pixel hosts, pending ones included; remove one first`));
      }
      // A claim of its own is kept with its token: the records already published still prove it.
      await repository.insertPixelHostClaim(deps.control, { host, tenantId, token: randomBytes(16).toString('hex') });
      // No DNS lookup here: a new claim's token is in no record yet; verify() reads them once they are published.
      const row = await rowOf(tenantId, host);
      return row === undefined ? failure(notFound('PixelHost')) : success(toClaim(row));
    },

    async verify(tenantId, host) {
      const row = await rowOf(tenantId, host);
      if (row === undefined) return failure(notFound('PixelHost'));
      // The rules again: the platform's names may have grown since the claim.
      const refusal = refused(host);
      if (refusal !== undefined) return refusal;
      if (row.status === 'pending') return activate(tenantId, row);
      if (row.origin === 'tenant') await recheck(tenantId, host, Number.MAX_SAFE_INTEGER);
      const after = await rowOf(tenantId, host);
      return after === undefined ? failure(notFound('PixelHost')) : success(toClaim(after));
    },

    list: async (tenantId) => (await repository.pixelHostClaims(deps.control, tenantId)).map(toClaim),

    activeHosts: (tenantId) => repository.activePixelHostsOf(deps.control, tenantId),

    async remove(tenantId, host) {
      const removed = await repository.deletePixelHostClaim(deps.control, tenantId, host);
      if (removed.length === 0) return false;
      if (removed.includes('active')) await deps.changed(tenantId);
      return true;
    },

    recheck,

    provenHosts: (page) => repository.tenantProvenHosts(deps.control, page),
  };
}
