import { WebSocket } from 'ws';

/**
 * ws reports a peer's protocol violation (a frame past maxPayload, bad UTF-8, a bad opcode) as
 * an 'error' event after it has already closed the socket with the right code (1009, 1007, 1002).
 * graphql-ws logs every socket error as an internal one with its stack, so a stranger could fill
 * the log with oversized frames; these are the peer's fault and end here.
 */
export class PeerFaultTolerantWebSocket extends WebSocket {
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && isPeerFault(args[0])) return false;
    return super.emit(event, ...args);
  }
}

function isPeerFault(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
}
