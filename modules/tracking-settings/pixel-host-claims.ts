import { randomBytes } from 'node:crypto';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Sql } from '../../platform/postgres/database.js';
import { pixelHostRefusal } from './pixel-host-rules.js';
import { proofRecords, type ProofChecker, type ProofRecord } from './pixel-host-proof.js';

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

interface ClaimRow {
  host: string;
  status: PixelHostStatus;
  origin: PixelHostOrigin;
  token: string;
  proven_by: 'TXT' | 'CNAME' | null;
  verified_at: Date | null;
  last_checked_at: Date | null;
  failed_checks: number;
  last_check_error: string | null;
}

const COLUMNS = 'host, status, origin, token, proven_by, verified_at, last_checked_at, failed_checks, last_check_error';
const UNIQUE_VIOLATION = '23505';
// As many as the operator may give at createTenant; claims cost a row and a DNS check each.
export const MAX_HOSTS_PER_TENANT = 50;

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === UNIQUE_VIOLATION;

export function createPixelHostClaims(deps: {
  sql: Sql;
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

  const toClaim = (row: ClaimRow): PixelHostClaim => ({
    host: row.host,
    status: row.status,
    origin: row.origin,
    provenBy: row.proven_by,
    records: row.origin === 'tenant' || row.status === 'pending' ? proofRecords(row.host, row.token, deps.cnameTarget) : [],
    verifiedAt: row.verified_at,
    lastCheckedAt: row.last_checked_at,
    failedChecks: row.failed_checks,
    lastCheckError: row.last_check_error,
  });

  const rowOf = async (tenantId: string, host: string): Promise<ClaimRow | undefined> =>
    (await deps.sql.query<ClaimRow>(`select ${COLUMNS} from control.pixel_hosts where tenant_id = $1 and host = $2`, [tenantId, host]))[0];

  const record = async (tenantId: string, host: string, error: string | null): Promise<void> => {
    await deps.sql.query(`update control.pixel_hosts set last_checked_at = now(), last_check_error = $3 where tenant_id = $1 and host = $2`, [
      tenantId,
      host,
      error,
    ]);
  };

  async function activate(tenantId: string, row: ClaimRow): Promise<Outcome<PixelHostClaim>> {
    const check = await deps.check(row.host, row.token);
    if (check.kind !== 'proven') {
      await record(tenantId, row.host, check.detail);
    } else {
      try {
        await deps.sql.query(
          `update control.pixel_hosts set status = 'active', proven_by = $3, verified_at = now(), last_checked_at = now(),
                  failed_checks = 0, last_check_error = null
            where tenant_id = $1 and host = $2 and status = 'pending'`,
          [tenantId, row.host, check.by],
        );
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
      await deps.sql.query(
        `update control.pixel_hosts set last_checked_at = now(), failed_checks = 0, last_check_error = null, proven_by = $3
          where tenant_id = $1 and host = $2`,
        [tenantId, host, check.by],
      );
      return 'kept';
    }
    const [updated] = await deps.sql.query<{ status: PixelHostStatus }>(
      `update control.pixel_hosts
          set failed_checks = failed_checks + 1, last_checked_at = now(), last_check_error = $3,
              status = case when failed_checks + 1 >= $4 then 'pending' else status end,
              verified_at = case when failed_checks + 1 >= $4 then null else verified_at end
        where tenant_id = $1 and host = $2 and status = 'active'
        returning status`,
      [tenantId, host, check.detail, graceChecks],
    );
    if (updated?.status !== 'pending') return 'failed';
    await deps.changed(tenantId);
    return 'deactivated';
  }

  return {
    async claim(tenantId, host) {
      const refusal = refused(host);
      if (refusal !== undefined) return refusal;
      const active = await deps.sql.query<{ tenant_id: string }>(`select tenant_id from control.pixel_hosts where host = $1 and status = 'active'`, [
        host,
      ]);
      if (active.some((row) => row.tenant_id !== tenantId)) return failure(invalidInput(['host'], `${host} is already registered`));
      const [held] = await deps.sql.query<{ count: number; mine: boolean }>(
        `select count(*)::int as count, bool_or(host = $2) as mine from control.pixel_hosts where tenant_id = $1`,
        [tenantId, host],
      );
      if ((held?.count ?? 0) >= MAX_HOSTS_PER_TENANT && held?.mine !== true) {
        return failure(invalidInput(['host'], `at most ${MAX_HOSTS_PER_TENANT} pixel hosts, pending ones included; remove one first`));
      }
      // A claim of its own is kept with its token: the records already published still prove it.
      await deps.sql.query(
        `insert into control.pixel_hosts (host, tenant_id, status, origin, token) values ($1, $2, 'pending', 'tenant', $3)
         on conflict (host, tenant_id) do nothing`,
        [host, tenantId, randomBytes(16).toString('hex')],
      );
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

    async list(tenantId) {
      const rows = await deps.sql.query<ClaimRow>(`select ${COLUMNS} from control.pixel_hosts where tenant_id = $1 order by host`, [tenantId]);
      return rows.map(toClaim);
    },

    async activeHosts(tenantId) {
      const rows = await deps.sql.query<{ host: string }>(
        `select host from control.pixel_hosts where tenant_id = $1 and status = 'active' order by host`,
        [tenantId],
      );
      return rows.map((row) => row.host);
    },

    async remove(tenantId, host) {
      const removed = await deps.sql.query<{ status: PixelHostStatus }>(
        'delete from control.pixel_hosts where host = $1 and tenant_id = $2 returning status',
        [host, tenantId],
      );
      if (removed.length === 0) return false;
      if (removed.some((row) => row.status === 'active')) await deps.changed(tenantId);
      return true;
    },

    recheck,

    async provenHosts({ tenantId, after, limit }) {
      const rows = await deps.sql.query<{ host: string; tenant_id: string }>(
        `select host, tenant_id from control.pixel_hosts
          where status = 'active' and origin = 'tenant'
            and ($1::text is null or tenant_id = $1)
            and ($2::text is null or (host, tenant_id) > ($2, $3))
          order by host, tenant_id limit $4`,
        [tenantId ?? null, after?.host ?? null, after?.tenantId ?? null, limit],
      );
      return rows.map((row) => ({ host: row.host, tenantId: row.tenant_id }));
    },
  };
}
