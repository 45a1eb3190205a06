import type { QuotedIdentifier } from '../migration.js';

/**
 * Makes the ingestion log's daily partitions (UTC days) from today to
 * `daysAhead` days on, those not made yet. A day whose messages already went
 * to the default partition (its partition was not made in time) is left
 * there rather than failing: the default partition is emptied by retention.
 * Shared by the migration and the processor's upkeep, so both make the same names.
 */
export function ensureLogPartitionsStatement(schema: QuotedIdentifier, daysAhead: number): string {
  if (!Number.isInteger(daysAhead) || daysAhead < 0 || daysAhead > 31) throw new RangeError(`daysAhead must be 0..31, got ${daysAhead}`);
  return `do $$
    declare
      day date;
    begin
      for offset_days in 0..${daysAhead} loop
        day := (now() at time zone 'UTC')::date + offset_days;
        begin
          execute format('create table if not exists %s.%I partition of %s.ingest_log for values from (%L) to (%L)',
            '${schema}', 'ingest_log_p' || to_char(day, 'YYYYMMDD'), '${schema}',
            (day::timestamp at time zone 'UTC'), ((day + 1)::timestamp at time zone 'UTC'));
        exception when check_violation then
          raise notice 'ingest_log: % stays in the default partition', day;
        end;
      end loop;
    end $$`;
}

/** A daily partition's name: `ingest_log_pYYYYMMDD`, the UTC day it holds. */
export const LOG_PARTITION_NAME = /^ingest_log_p(\d{4})(\d{2})(\d{2})$/;
