import type { ControlMigration } from '../migration.js';

/** Each tenant signs its email-pixel tokens with its own secret: no platform-wide secret to configure or leak. */
export const pixelSecretsMigration: ControlMigration = {
  name: '0004-pixel-secrets',
  up: () => [
    // Two v4 UUIDs: 244 random bits from PostgreSQL's strong generator, without pgcrypto.
    `alter table control.tenants add column pixel_secret bytea not null
       default uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())`,
  ],
};
