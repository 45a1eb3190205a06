import { botVerdict } from '../../../intelligence/visitors/bot-verdict.js';
import type { IngestMessage } from './segment-message.js';

export interface BotScreened {
  /** The messages of people, in order. */
  readonly kept: readonly IngestMessage[];
  /** Crawlers' messages: dropped before anything is stored, so they never make or score a lead. */
  readonly bots: number;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Drops the anonymous messages of crawlers (their user agent, or an address in
 * a crawler's published range). A message that names a person (a userId, an
 * email) is the tenant's word or a mail client opening an email through its
 * image proxy, and stays whatever fetched it.
 */
export function screenBots(messages: readonly IngestMessage[], peerIp: string | null): BotScreened {
  // A batch repeats one visitor's user agent and address: each pair is judged once.
  const verdicts = new Map<string, boolean>();
  let kept: IngestMessage[] | undefined;
  messages.forEach((message, i) => {
    let bot = false;
    if (message.userId === undefined && message.email === undefined) {
      const userAgent = text(message.context['userAgent']);
      const ip = text(message.context['ip']) ?? peerIp; // as prepareMessage reads the visitor's address
      const key = `${ip ?? ''}\n${userAgent ?? ''}`;
      let known = verdicts.get(key);
      if (known === undefined) verdicts.set(key, (known = botVerdict({ userAgent, ip: ip ?? null }).bot));
      bot = known;
    }
    if (bot) kept ??= messages.slice(0, i);
    else kept?.push(message);
  });
  return kept === undefined ? { kept: messages, bots: 0 } : { kept, bots: messages.length - kept.length };
}
