/**
 * Time moves leads in and out of windowed segments ("viewed pricing more than
 * twice in the last 14 days") without any event about them. The sweep finds,
 * for each windowed segment, the leads whose membership may differ at `now`
 * (open members, and leads the rule matches at `now` without being members)
 * and evaluates them as the pipeline does. `now` is the caller's: a test
 * moves it forward.
 */
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { LeadChange } from '../lead-changes/lead-evaluation.js';
import { evaluateLeads } from '../lead-changes/lead-evaluation.js';
import { liveSegments } from './segment-records.js';
import { staysToReconsider } from './segments.repository.js';

const PAGE = 1_000;

export async function sweepWindowedSegments(db: TenantDb, now: Date, onChanges: (changes: readonly LeadChange[]) => Promise<void>): Promise<number> {
  const windowed = (await liveSegments(db)).filter((s) => s.windowed);
  let changed = 0;
  for (const segment of windowed) {
    const candidates = await staysToReconsider(db, segment.id, segment.rule, now);
    for (let i = 0; i < candidates.length; i += PAGE) {
      const changes = await evaluateLeads(db, candidates.slice(i, i + PAGE), now, { segments: [segment] });
      changed += changes.length;
      if (changes.length > 0) await onChanges(changes);
    }
  }
  return changed;
}
