import type { PixelHostClaims, RecheckResult } from '../../modules/tracking-settings/pixel-host-claims.js';

export interface RecheckPage {
  /** Only this tenant's hosts (an operator's look at one tenant; the tests); all tenants when absent. */
  readonly tenantId?: string;
  readonly after?: { readonly host: string; readonly tenantId: string };
  /** Checks in a row without proof before an active host goes back to pending. */
  readonly graceChecks: number;
}

export interface RecheckPageResult {
  readonly counts: Readonly<Record<RecheckResult, number>>;
  /** Where the next page starts; absent on the last page. */
  readonly next?: { readonly host: string; readonly tenantId: string };
}

const PAGE_SIZE = 50;
// DNS answers come from many zones; a few at a time keeps one slow zone from holding the page.
const CONCURRENCY = 8;

export function createRecheckPixelHostsActivities(deps: { claims: PixelHostClaims }) {
  return {
    /** One page of tenant-proven active hosts, each checked again in DNS. */
    async recheckPixelHostsPage(page: RecheckPage): Promise<RecheckPageResult> {
      const hosts = await deps.claims.provenHosts({ tenantId: page.tenantId, after: page.after, limit: PAGE_SIZE });
      const counts: Record<RecheckResult, number> = { kept: 0, deactivated: 0, failed: 0, unreachable: 0, gone: 0 };
      for (let start = 0; start < hosts.length; start += CONCURRENCY) {
        const results = await Promise.all(
          hosts.slice(start, start + CONCURRENCY).map((h) => deps.claims.recheck(h.tenantId, h.host, page.graceChecks)),
        );
        for (const result of results) counts[result] += 1;
      }
      const last = hosts.at(-1);
      return hosts.length < PAGE_SIZE || last === undefined ? { counts } : { counts, next: last };
    },
  };
}

export type RecheckPixelHostsActivities = ReturnType<typeof createRecheckPixelHostsActivities>;
