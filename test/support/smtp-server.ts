import { createServer, type Socket } from 'node:net';

/**
 * A tiny SMTP server speaking enough of RFC 5321 for a RCPT probe: a 220
 * greeting, EHLO/HELO, MAIL FROM, RCPT TO (250 for a known mailbox, 550
 * otherwise), RSET, NOOP, QUIT. It never takes DATA.
 */

export interface SmtpServerOptions {
  /** Mailboxes that exist, compared without regard to case. */
  readonly mailboxes: Iterable<string>;
  /** `greylist` answers every RCPT with 451; `silent` accepts the connection and never speaks. */
  readonly behaviour?: 'greylist' | 'silent';
}

export interface SmtpServer {
  readonly port: number;
  /** Every command line received, across connections. */
  readonly commands: readonly string[];
  close(): Promise<void>;
}

const EHLO_REPLY = '250-smtp.local.test greets you\r\n250-PIPELINING\r\n250 8BITMIME';

function serve(socket: Socket, mailboxes: ReadonlySet<string>, options: SmtpServerOptions, commands: string[]): void {
  const reply = (text: string): void => {
    socket.write(`${text}\r\n`);
  };
  let greeted = false;
  let sender = false;
  let pending = '';
  socket.on('error', () => socket.destroy());
  if (options.behaviour === 'silent') return;
  reply('220 smtp.local.test ESMTP ready');
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let newline: number;
    while ((newline = pending.indexOf('\r\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 2);
      commands.push(line);
      const verb = line.slice(0, 4).toUpperCase();
      const rcpt = /^RCPT TO:\s*<([^>]*)>/i.exec(line);
      if (verb === 'EHLO' || verb === 'HELO') {
        greeted = true;
        reply(verb === 'EHLO' ? EHLO_REPLY : '250 smtp.local.test');
      } else if (/^MAIL FROM:\s*<[^>]*>/i.test(line)) {
        if (!greeted) reply('503 5.5.1 EHLO first');
        else {
          sender = true;
          reply('250 2.1.0 OK');
        }
      } else if (rcpt) {
        if (!sender) reply('503 5.5.1 MAIL first');
        else if (options.behaviour === 'greylist') reply('451 4.7.1 Greylisted, try again later');
        else if (mailboxes.has((rcpt[1] ?? '').toLowerCase())) reply('250 2.1.5 OK');
        else reply('550 5.1.1 No such user here');
      } else if (verb === 'RSET' || verb === 'NOOP') {
        if (verb === 'RSET') sender = false;
        reply('250 2.0.0 OK');
      } else if (verb === 'QUIT') {
        reply('221 2.0.0 Bye');
        socket.end();
      } else {
        reply('502 5.5.2 Command not recognized');
      }
    }
  });
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startSmtpServer(options: SmtpServerOptions): Promise<SmtpServer> {
  const mailboxes = new Set([...options.mailboxes].map((mailbox) => mailbox.toLowerCase()));
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, mailboxes, options, commands);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the SMTP server is not listening on TCP');
  return {
    port: address.port,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
