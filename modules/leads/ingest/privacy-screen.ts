import { consentStateOf } from '../../../intelligence/privacy/consent.js';
import type { SuppressedKind } from '../../privacy/suppression-hash.js';
import type { SuppressedSet } from '../../privacy/suppression-list.js';
import type { IngestMessage } from './segment-message.js';

export interface ScreenedMessages {
  /** What may be stored, in order; without the identity of visitors who did not consent where consent is required. */
  readonly kept: readonly IngestMessage[];
  /** Messages about erased people: dropped, counted, never stored. */
  readonly suppressed: number;
  /** Messages that only a userId or email placed, without the consent to use them: nothing anonymous is left to keep. */
  readonly unconsented: number;
}

/**
 * Strips what would identify a person: no person is linked, the behaviour
 * stays under the visitor's anonymous id. A group call's traits describe a
 * company, not the visitor, and stay.
 */
function withoutIdentity(message: IngestMessage): IngestMessage {
  const { traits: _contextTraits, ...context } = message.context;
  return {
    ...message,
    userId: undefined,
    email: undefined,
    traits: message.type === 'group' ? message.traits : {},
    context,
  };
}

/**
 * Drops messages about suppressed people and withholds identity where the
 * tenant requires consent and the message does not carry it. Hashing is
 * skipped entirely for a tenant without suppressions.
 */
export function screenMessages(
  messages: readonly IngestMessage[],
  policy: { readonly suppressed: SuppressedSet; readonly requireConsent: boolean },
): ScreenedMessages {
  if (policy.suppressed.size === 0 && !policy.requireConsent) return { kept: messages, suppressed: 0, unconsented: 0 };
  // A batch often repeats one visitor: each identifier is hashed once.
  const seen = new Map<string, boolean>();
  const isSuppressed = (kind: SuppressedKind, value: string | undefined) => {
    if (value === undefined) return false;
    const key = `${kind}:${value}`;
    let suppressed = seen.get(key);
    if (suppressed === undefined) seen.set(key, (suppressed = policy.suppressed.has(kind, value)));
    return suppressed;
  };
  const kept: IngestMessage[] = [];
  let suppressed = 0;
  let unconsented = 0;
  for (const message of messages) {
    if (
      policy.suppressed.size > 0 &&
      (isSuppressed('anonymous_id', message.anonymousId) || isSuppressed('user_id', message.userId) || isSuppressed('email', message.email))
    ) {
      suppressed += 1;
      continue;
    }
    if (!policy.requireConsent || consentStateOf(message.context) === 'granted') kept.push(message);
    else if (message.anonymousId === undefined) unconsented += 1;
    else kept.push(withoutIdentity(message));
  }
  return { kept, suppressed, unconsented };
}
