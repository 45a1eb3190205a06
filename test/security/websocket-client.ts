import WebSocket from 'ws';
import type { TestGateway } from '../support/test-gateway.js';

/** A message of the graphql-transport-ws protocol, as the server sends it. */
export interface ServerMessage {
  readonly type: string;
  readonly id?: string;
  readonly payload?: unknown;
}

export interface GraphqlError {
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

/**
 * A client speaking graphql-transport-ws frame by frame, so a test can send what a well-behaved
 * library never would (oversized frames, no connection_init) and see each frame and close code.
 */
export interface RawSocket {
  readonly socket: WebSocket;
  /** Resolves when the socket is open. */
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: Record<string, unknown>): void;
  /** connection_init with `authorization`; resolves once acknowledged, rejects if the socket closes first. */
  init(authorization: string, extra?: Record<string, unknown>): Promise<void>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** The first message for `id` (next, error or complete), waited for rather than slept on. */
  firstFor(id: string): Promise<ServerMessage>;
  /** Every message received for `id` so far. */
  messagesFor(id: string): ServerMessage[];
  /** Every message received so far. */
  all(): ServerMessage[];
  /** Waits until `id` has received `count` messages. */
  waitFor(id: string, count: number): Promise<void>;
  close(): void;
}

export const wsUrl = (gateway: TestGateway) => `${gateway.url.replace('http', 'ws')}/graphql`;

export function openRawSocket(gateway: TestGateway): RawSocket {
  const socket = new WebSocket(wsUrl(gateway), 'graphql-transport-ws');
  const received: ServerMessage[] = [];
  const waiters: Array<() => void> = [];
  const notify = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  socket.on('message', (data: WebSocket.RawData) => {
    received.push(JSON.parse(String(data)) as ServerMessage);
    notify();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      notify();
    });
  });
  // Errors (a refused frame, a reset) end in a close event, which is what the tests look at.
  socket.on('error', () => undefined);
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', (code) => reject(new Error(`closed with ${code} before opening`)));
  });

  const until = async (done: () => boolean, what: string): Promise<void> => {
    while (!done()) {
      if (socket.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${what}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const of = (id: string) => received.filter((message) => message.id === id);

  return {
    socket,
    opened,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    async init(authorization, extra = {}) {
      await opened;
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization, ...extra } }));
      await until(() => received.some((message) => message.type === 'connection_ack'), 'connection_ack');
    },
    subscribe(id, query, variables) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
    async firstFor(id) {
      await until(() => of(id).length > 0, `a message for ${id}`);
      return of(id)[0]!;
    },
    messagesFor: of,
    all: () => [...received],
    async waitFor(id, count) {
      await until(() => of(id).length >= count, `${count} messages for ${id}`);
    },
    close: () => socket.close(),
  };
}

/** The errors of an `error` message, or of a `next` message's payload. */
export function errorsOf(message: ServerMessage): GraphqlError[] {
  if (message.type === 'error') return message.payload as GraphqlError[];
  const payload = message.payload as { errors?: GraphqlError[] } | undefined;
  return payload?.errors ?? [];
}
