import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const workflowsPath = fileURLToPath(new URL('../../workflows/workflows.ts', import.meta.url));

/**
 * A history as the server sent it, kept in protobuf's binary form: the JSON
 * route (historyFromJSON) fails here with "type must be a Type", two copies
 * of protobufjs 8 in the tree (sdk-typescript#1362 is the same wall).
 */
const history = (name: string) =>
  proto.temporal.api.history.v1.History.decode(readFileSync(new URL(`./fixtures/enrich-lead-before-stage-steps-${name}.history.bin`, import.meta.url)));

/*
 * Histories recorded on the real Temporal server by the enrichment of
 * b253b64 (its own enrich-lead.workflow tests), before a stage's providers
 * ran as one local activity: each provider call an activity through the task
 * queue, and the cache, reservation and settlement local activities of their
 * own. A job begun then and resumed by this code must replay as it ran.
 */
describe('enrichLeadWorkflow replaying runs begun before stage steps', () => {
  it.each([
    ['a vendor and email verification, both answering', 'vendor-and-email-verification', 2],
    ['a vendor failing on every attempt, skipped and refunded', 'vendor-failed', 1],
  ])('replays %s', async (_case, name, providerActivities) => {
    const recorded = history(name);
    const scheduled = recorded.events.flatMap((event) => (event.activityTaskScheduledEventAttributes?.activityType?.name === 'callProviderShared' ? [event] : []));
    expect(scheduled).toHaveLength(providerActivities);
    await expect(Worker.runReplayHistory({ workflowsPath }, recorded)).resolves.toBeUndefined();
  }, 60_000);
});
