import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import {
  MAX_BATCH_BYTES,
  MAX_EVENT_BYTES,
  parseSegmentMessage,
  type IngestMessage,
} from './ingest/segment-message.js';

export interface TrackPageInput {
  readonly url?: string | null;
  readonly path?: string | null;
  readonly referrer?: string | null;
  readonly title?: string | null;
}

export interface ConsentStateInput {
  readonly granted: boolean;
  readonly categories?: unknown;
}

export interface TrackContextInput {
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  readonly page?: TrackPageInput | null;
  readonly consent?: ConsentStateInput | null;
}

/** GraphQL's TrackInput (null and absent alike); the payload is parsed, not trusted. */
export interface TrackEventInput {
  readonly messageId?: string | null;
  readonly anonymousId?: string | null;
  readonly userId?: string | null;
  readonly event: string;
  readonly properties?: unknown;
  readonly timestamp?: Date | null;
  readonly context?: TrackContextInput | null;
}

export interface IdentifyPersonInput {
  readonly anonymousId?: string | null;
  readonly userId?: string | null;
  readonly email?: string | null;
  readonly traits?: unknown;
  readonly consent?: ConsentStateInput | null;
}

const defined = (record: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== null));

/**
 * Segment's consent shape. A sender through the API states a decision, so a
 * `granted: false` from it is a refusal (`required`), unlike the tracking
 * script's, which only says that nobody asked.
 */
function consentOf(consent: ConsentStateInput | null | undefined): Record<string, unknown> | undefined {
  if (consent === undefined || consent === null) return undefined;
  return defined({ required: true, granted: consent.granted, categoryPreferences: consent.categories });
}

function contextOf(context: TrackContextInput | null | undefined): Record<string, unknown> | undefined {
  if (context === undefined || context === null) return undefined;
  const page = context.page === undefined || context.page === null ? undefined : defined(context.page);
  return defined({ ip: context.ip, userAgent: context.userAgent, page, consent: consentOf(context.consent) });
}

/** Segment's own shape, so GraphQL events take exactly the path /v1 events take. */
function segmentTrack(input: TrackEventInput): Record<string, unknown> {
  return defined({
    type: 'track',
    messageId: input.messageId,
    anonymousId: input.anonymousId,
    userId: input.userId,
    event: input.event,
    properties: input.properties,
    timestamp: input.timestamp?.toISOString(),
    context: contextOf(input.context),
  });
}

function parse(raw: Record<string, unknown>, at: readonly (string | number)[], now: Date): Outcome<IngestMessage> {
  if (Buffer.byteLength(JSON.stringify(raw)) > MAX_EVENT_BYTES) {
    return failure(invalidInput(at, `an event may not exceed ${MAX_EVENT_BYTES} bytes`));
  }
  const parsed = parseSegmentMessage(raw, { now });
  if (parsed.ok) return parsed;
  // The message's own field path, placed under the argument it came in.
  const { problem } = parsed;
  return failure(problem.kind === 'invalid-input' ? invalidInput([...at, ...problem.path], problem.message) : problem);
}

/** Every event parsed, or the first invalid one with its argument path; nothing is written unless all are valid. */
export function trackMessages(inputs: readonly TrackEventInput[], now: Date): Outcome<IngestMessage[]> {
  if (inputs.length === 0) return failure(invalidInput(['events'], 'send at least one event'));
  const raws = inputs.map(segmentTrack);
  if (Buffer.byteLength(JSON.stringify(raws)) > MAX_BATCH_BYTES) {
    return failure(invalidInput(['events'], `a batch may not exceed ${MAX_BATCH_BYTES} bytes`));
  }
  const messages: IngestMessage[] = [];
  for (const [index, raw] of raws.entries()) {
    const parsed = parse(raw, ['events', index], now);
    if (!parsed.ok) return parsed;
    messages.push(parsed.value);
  }
  return success(messages);
}

/** An identify message; `email` travels as the trait Segment clients put it in. */
export function identifyMessage(input: IdentifyPersonInput, now: Date): Outcome<IngestMessage> {
  const traits = input.traits ?? {};
  if (typeof traits !== 'object' || traits === null || Array.isArray(traits)) {
    return failure(invalidInput(['input', 'traits'], 'traits must be a JSON object'));
  }
  const raw = defined({
    type: 'identify',
    anonymousId: input.anonymousId,
    userId: input.userId,
    traits: input.email === undefined || input.email === null ? traits : { ...traits, email: input.email },
    context: input.consent === undefined || input.consent === null ? undefined : { consent: consentOf(input.consent) },
  });
  const parsed = parse(raw, ['input'], now);
  if (parsed.ok && typeof input.email === 'string' && parsed.value.email === undefined) {
    return failure(invalidInput(['input', 'email'], 'not an email address'));
  }
  return parsed;
}
