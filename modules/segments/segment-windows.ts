/**
 * Time moves leads in and out of windowed segments ("viewed pricing more than
 * twice in the last 14 days") without any event about them. The sweep finds,
 * for each windowed segment, the leads whose membership may differ at `now`
 * (open members, and leads the rule matches at `now` without being members)
 * and evaluates them as the pipeline does. `now` is the caller's: a test
 * moves it forward.
 */
import type { SqlValue } from '../../platform/postgres/database.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import type { LeadChange } from '../lead-changes/lead-evaluation.js';
import { evaluateLeads } from '../lead-changes/lead-evaluation.js';
import { segmentMembersSql } from '../leads/lead-reads.js';
import { liveSegments } from './segment-records.js';

const PAGE = 1_000;

export async function sweepWindowedSegments(
  db: Database,
  schema: string,
  now: Date,
  onChanges: (changes: readonly LeadChange[]) => Promise<void>,
): Promise<number> {
  const sql = tenantSql(db, schema);
  const windowed = (await liveSegments(sql)).filter((s) => s.windowed);
  let changed = 0;
  for (const segment of windowed) {
    const values: SqlValue[] = [segment.id];
    const matching = segmentMembersSql(segment.rule, now, values);
    const candidates = await sql.query<{ id: string }>(
      `(select lead_id as id from {t}.segment_memberships where segment_id = $1 and exited_at is null
        except select id from (${matching}) m)
       union
       (select id from (${matching}) m
        except select lead_id from {t}.segment_memberships where segment_id = $1 and exited_at is null)`,
      values,
    );
    for (let i = 0; i < candidates.length; i += PAGE) {
      const changes = await evaluateLeads(db, schema, candidates.slice(i, i + PAGE).map((c) => c.id), now, { segments: [segment] });
      changed += changes.length;
      if (changes.length > 0) await onChanges(changes);
    }
  }
  return changed;
}
