import ipaddr from 'ipaddr.js';
import { isbotMatch } from 'isbot';
import { CRAWLER_NETWORKS } from './crawler-networks.js';

export type BotVerdict =
  | { readonly bot: false }
  /** The user agent is on isbot's maintained list of crawlers, spiders, monitors and headless browsers. */
  | { readonly bot: true; readonly by: 'user-agent'; readonly match: string }
  /** The address is in a range a crawler's operator publishes as its own. */
  | { readonly bot: true; readonly by: 'crawler-network'; readonly crawler: string };

export interface VisitEvidence {
  readonly userAgent: string | undefined;
  /** The visitor's address (the sender's `context.ip`, else the peer's); null when unknown. */
  readonly ip: string | null;
}

const NOT_A_BOT: BotVerdict = Object.freeze({ bot: false });

const ranges = CRAWLER_NETWORKS.map(({ crawler, cidr }) => ({ crawler, range: ipaddr.parseCIDR(cidr) }));

function crawlerOfAddress(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  // ::ffff:a.b.c.d is how dual-stack sockets report an IPv4 peer.
  const address = ipaddr.process(ip);
  for (const { crawler, range } of ranges) {
    if (address.kind() === range[0].kind() && address.match(range)) return crawler;
  }
  return undefined;
}

/**
 * Whether a visit is a bot's. A missing user agent proves nothing: server-side
 * senders often leave it out.
 */
export function botVerdict(evidence: VisitEvidence): BotVerdict {
  if (evidence.userAgent !== undefined && evidence.userAgent !== '') {
    const match = isbotMatch(evidence.userAgent);
    if (match !== null) return { bot: true, by: 'user-agent', match };
  }
  if (evidence.ip !== null) {
    const crawler = crawlerOfAddress(evidence.ip);
    if (crawler !== undefined) return { bot: true, by: 'crawler-network', crawler };
  }
  return NOT_A_BOT;
}
