import type { TenantMigration } from '../migration.js';

/** Crawlers' events, dropped before storage, counted per UTC day (no identifiers): `usage` shows them apart. */
export const botEventsMigration: TenantMigration = {
  name: '0012-bot-events',
  up: (s) => [`create table ${s}.bot_events (day date primary key, count int not null)`],
};
