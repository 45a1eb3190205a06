import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../../platform/outcome.js';

/** Segment's own limits: 32 KB an event, 500 KB a batch. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
const MAX_DEPTH = 12;
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
const MAX_PAST_MS = 5 * 365 * 24 * 60 * 60 * 1000;

export type MessageType = 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias';

/** A message as the rest of LeadGraph sees it, whichever surface it came in by. */
export interface IngestMessage {
  readonly messageId: string;
  readonly type: MessageType;
  /** The stored event name: the track event, `page_view` for pages, else the type. */
  readonly name: string;
  readonly anonymousId?: string;
  readonly userId?: string;
  readonly email?: string;
  readonly groupId?: string;
  readonly traits: Record<string, unknown>;
  readonly properties: Record<string, unknown>;
  readonly context: Record<string, unknown>;
  readonly at: Date;
}

const id = z.union([z.string().trim().min(1).max(256), z.number().finite()]).transform(String);
// SDKs send the ids they do not have as "" or null (RudderStack's browser SDK: `userId: ""` before identify):
// for the optional ones that means absent, as Segment's API reads it.
const optionalId = z.preprocess((value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value), id.optional());
const record = z.record(z.string(), z.unknown());
const context = z
  .object({
    ip: z.string().max(64).optional(),
    userAgent: z.string().max(1024).optional(),
    page: record.optional(),
    campaign: record.optional(),
    traits: record.optional(),
    consent: z.unknown().optional(),
  })
  .catchall(z.unknown());

const common = {
  messageId: optionalId,
  anonymousId: optionalId,
  userId: optionalId,
  timestamp: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  context: context.optional(),
  integrations: z.unknown().optional(),
  sentAt: z.unknown().optional(),
  originalTimestamp: z.unknown().optional(),
  receivedAt: z.unknown().optional(),
  version: z.unknown().optional(),
};

const segmentMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('track'), event: z.string().trim().min(1).max(200), properties: record.optional(), ...common }),
  z.object({ type: z.literal('page'), name: z.string().max(200).optional(), category: z.string().max(200).optional(), properties: record.optional(), ...common }),
  z.object({ type: z.literal('screen'), name: z.string().max(200).optional(), properties: record.optional(), ...common }),
  z.object({ type: z.literal('identify'), traits: record.optional(), ...common }),
  z.object({ type: z.literal('group'), groupId: id, traits: record.optional(), ...common }),
  z.object({ type: z.literal('alias'), previousId: id, ...common }),
]);

export type SegmentMessage = z.input<typeof segmentMessage>;

/** What makes a value unstorable: nesting past the limit, or a NUL character (PostgreSQL text and jsonb cannot hold one). */
function treeProblem(value: unknown, depth: number): 'deep' | 'nul' | undefined {
  if (depth > MAX_DEPTH) return 'deep';
  if (typeof value === 'string') return value.includes('\u0000') ? 'nul' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000')) return 'nul';
    const problem = treeProblem(child, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function emailOf(traits: Record<string, unknown> | undefined): string | undefined {
  const email = traits?.['email'];
  return typeof email === 'string' && EMAIL.test(email.trim()) ? email.trim().toLowerCase() : undefined;
}

/** The top-level field holding a tree nested past the limit (the message itself counts as one level) or a NUL character. */
function unstorableField(raw: object): { field: string; reason: string } | undefined {
  for (const [field, value] of Object.entries(raw)) {
    const problem = field.includes('\u0000') ? 'nul' : treeProblem(value, 1);
    if (problem === 'deep') return { field, reason: `${field}: nested deeper than ${MAX_DEPTH} levels` };
    if (problem === 'nul') return { field, reason: `${field}: contains a NUL character (\\u0000), which cannot be stored` };
  }
  return undefined;
}

/**
 * Parses one Segment-shaped message; `now` decides what "the far future" is.
 * Type may be implied by the route (`/v1/track` bodies carry none). A refusal
 * is invalid input whose path names the offending field of the message, for
 * surfaces that report one (GraphQL's argumentPath).
 */
export function parseSegmentMessage(raw: unknown, opts: { now: Date; impliedType?: MessageType }): Outcome<IngestMessage> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return failure(invalidInput([], 'a message must be a JSON object'));
  const unstorable = unstorableField(raw);
  if (unstorable !== undefined) return failure(invalidInput([unstorable.field], unstorable.reason));
  const withType = opts.impliedType !== undefined && !('type' in raw) ? { ...raw, type: opts.impliedType } : raw;
  const parsed = segmentMessage.safeParse(withType);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).filter((key): key is string | number => typeof key !== 'symbol');
    return failure(invalidInput(path, `${path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`));
  }
  const m = parsed.data;
  if (opts.impliedType !== undefined && m.type !== opts.impliedType) {
    return failure(invalidInput(['type'], `type ${m.type} sent to the ${opts.impliedType} endpoint`));
  }
  const userId = m.userId;
  const anonymousId = m.type === 'alias' ? (m.anonymousId ?? m.previousId) : m.anonymousId;
  if (userId === undefined && anonymousId === undefined) {
    return failure(invalidInput(['anonymousId'], 'anonymousId or userId is required'));
  }

  const at = m.timestamp === undefined ? opts.now : new Date(m.timestamp);
  if (at.getTime() - opts.now.getTime() > MAX_FUTURE_MS) return failure(invalidInput(['timestamp'], 'timestamp is in the future'));
  if (opts.now.getTime() - at.getTime() > MAX_PAST_MS) return failure(invalidInput(['timestamp'], 'timestamp is more than five years old'));

  const traits = 'traits' in m ? (m.traits ?? {}) : (m.context?.traits ?? {});
  const properties = 'properties' in m ? (m.properties ?? {}) : {};
  const name = m.type === 'track' ? m.event : m.type === 'page' ? 'page_view' : m.type === 'screen' ? 'screen_view' : m.type;
  return success({
    messageId: m.messageId ?? randomUUID(),
    type: m.type,
    name,
    anonymousId,
    userId,
    email: emailOf(traits) ?? emailOf(m.context?.traits),
    groupId: m.type === 'group' ? m.groupId : undefined,
    traits,
    properties: m.type === 'page' && m.name !== undefined ? { name: m.name, ...properties } : properties,
    context: m.context ?? {},
    at,
  });
}
