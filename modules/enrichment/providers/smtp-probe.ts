import { dnsResolver } from '../../../platform/network/dns.js';
import { connect, isIP, type Socket } from 'node:net';

/**
 * Asks a mail exchanger whether it would take mail for an address, stopping
 * at RCPT TO: nothing is ever sent (RFC 5321: 220, EHLO, MAIL FROM, RCPT TO,
 * QUIT).
 *
 * Off by default: the email verification provider only probes when it is
 * handed one. A probe is slow (seconds per address), often blocked (many
 * networks refuse outbound port 25, many servers greylist or tarpit unknown
 * senders), and a stream of RCPTs that never send mail looks like directory
 * harvesting, which hurts the reputation of the probing address and IP.
 */

export type SmtpProbeResult = 'accepted' | 'rejected' | 'unknown';
export type SmtpProbe = (mx: string, email: string) => Promise<SmtpProbeResult>;

export interface SmtpProbeOptions {
  /** The name we greet with in EHLO; it should resolve back to the probing host. */
  readonly heloName: string;
  /** The envelope sender, e.g. `probe@<heloName>`. */
  readonly mailFrom: string;
  /** The whole conversation's budget; past it the answer is `unknown`. */
  readonly timeoutMs: number;
  /** 25 in production. */
  readonly port?: number;
  /** Resolves an exchange to an address; by default the system's resolver (through `net.connect`). */
  readonly resolveHost?: (host: string) => Promise<string>;
}

/** Resolves a host's IPv4 address, else its IPv6 one, through the given DNS servers (as `createDnsMxResolver`). */
export function createDnsHostResolver(servers: readonly string[] | undefined, timeoutMs: number): (host: string) => Promise<string> {
  const resolver = dnsResolver({ servers, timeoutMs });
  return async (host) => {
    const v4 = await resolver.resolve4(host).catch(() => []);
    const address = v4[0] ?? (await resolver.resolve6(host))[0];
    if (address === undefined) throw new Error(`no address for ${host}`);
    return address;
  };
}

const MAX_REPLY_BYTES = 64 * 1024;
// Anything that could end a command line or leave the angle brackets would let an address inject commands.
const UNSAFE_IN_PATH = /[\s<>]|\p{Cc}/u;

/** Splits the stream into replies; a multi-line reply (`250-…`, `250 …`) is one. */
function replyReader(onReply: (code: number) => void, onMalformed: () => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('latin1');
    if (pending.length > MAX_REPLY_BYTES) return onMalformed();
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      const match = /^(\d{3})([ -]|$)/.exec(line);
      if (!match) return onMalformed();
      if (match[2] !== '-') onReply(Number(match[1]));
    }
  };
}

function rcptResult(code: number): SmtpProbeResult {
  if (code === 250 || code === 251) return 'accepted';
  // 550 no such mailbox, 551 not local, 553 mailbox name not allowed. 450/451/452 (greylisting, a full
  // mailbox) and 552/554 (policy) say nothing about the mailbox's existence.
  if (code === 550 || code === 551 || code === 553) return 'rejected';
  return 'unknown';
}

export function createSmtpProbe(options: SmtpProbeOptions): SmtpProbe {
  const port = options.port ?? 25;
  return async (mx, email) => {
    if (UNSAFE_IN_PATH.test(email) || UNSAFE_IN_PATH.test(options.mailFrom) || UNSAFE_IN_PATH.test(options.heloName)) return 'unknown';
    const deadline = Date.now() + options.timeoutMs;
    let host = mx;
    if (isIP(mx) === 0 && options.resolveHost) {
      try {
        host = await withTimeout(options.resolveHost(mx), options.timeoutMs);
      } catch {
        return 'unknown';
      }
    }
    return converse(host, port, email, options, Math.max(deadline - Date.now(), 1));
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function converse(host: string, port: number, email: string, options: SmtpProbeOptions, timeoutMs: number): Promise<SmtpProbeResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host, port });
    let step: 'greeting' | 'ehlo' | 'helo' | 'mail' | 'rcpt' | 'quit' = 'greeting';
    // Set by the RCPT reply; any other ending (a refusal earlier on, a timeout, a reset) leaves it unknown.
    let answer: SmtpProbeResult = 'unknown';
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const send = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    // One budget for the whole conversation: a tarpit that answers every line slowly still ends.
    const timer = setTimeout(finish, timeoutMs);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on(
      'data',
      replyReader((code) => {
        if (settled) return; // replies buffered behind one that ended the conversation
        switch (step) {
          case 'greeting':
            if (code !== 220) return finish();
            step = 'ehlo';
            return send(`EHLO ${options.heloName}`);
          case 'ehlo':
          case 'helo':
            if (code !== 250) {
              if (step === 'helo') return finish();
              step = 'helo'; // a server from before ESMTP
              return send(`HELO ${options.heloName}`);
            }
            step = 'mail';
            return send(`MAIL FROM:<${options.mailFrom}>`);
          case 'mail':
            if (code !== 250) return finish();
            step = 'rcpt';
            return send(`RCPT TO:<${email}>`);
          case 'rcpt':
            answer = rcptResult(code);
            step = 'quit';
            return send('QUIT');
          case 'quit':
            return finish();
        }
      }, finish),
    );
  });
}
