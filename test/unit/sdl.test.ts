import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderSdl } from '../../api/graphql/emit-sdl.js';

const COMMITTED = new URL('../../schema/schema.graphql', import.meta.url);

describe('schema/schema.graphql', () => {
  let rendered: string;
  beforeAll(async () => {
    rendered = await renderSdl();
  });

  it('is exactly the SDL the code builds', async () => {
    const committed = await readFile(COMMITTED, 'utf8');
    expect(
      rendered,
      'schema/schema.graphql is out of date with the resolvers: run `npm run sdl` and commit the result',
    ).toBe(committed);
  });

  // The names of API.md that are implemented so far; a rename breaks clients.
  it.each([
    'createTenant(input: CreateTenantInput!): TenantCreated!',
    'grantCredits(',
    'tenant: Tenant!',
    'usage(from: DateTime, to: DateTime): [UsageLine!]!',
    'createApiKey(input: ApiKeyInput!): ApiKeyCreated!',
    'revokeApiKey(id: ID!): ApiKey!',
    'lead(id: ID!): Lead',
    'leadByEmail(email: String!): Lead',
    'leads(first: Int = 50, after: String, filter: LeadFilter): LeadConnection!',
    'company(domain: String!): Company',
    'track(events: [TrackInput!]!): TrackResult!',
    'identify(input: IdentifyInput!): Lead!',
    'splitLead(leadId: ID!, anonymousId: String!): [Lead!]!',
    'sessions(first: Int = 20): [Session!]!',
    'events(first: Int = 50): [Event!]!',
    'enum LeadTier {\n  HOT\n  WARM\n  QUALIFIED\n  COLD\n}',
    'requestDeletion(input: DeletionInput!): DeletionRequest!',
    'deletionRequest(id: ID!): DeletionRequest',
    'requestExport(input: DeletionInput!): ExportRequest!',
  ])('keeps the public contract: %s', (signature) => {
    expect(rendered).toContain(signature);
  });
});
