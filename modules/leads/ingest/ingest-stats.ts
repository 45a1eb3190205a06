/**
 * What this process's log processor did, for /metrics: messages processed
 * per lane, and how old the oldest message of the last chunk was when it was
 * processed (the lag a message waits behind the log).
 */
import type { Lane } from './log-entry.js';

export interface IngestStats {
  readonly processed: Record<Lane, number>;
  /** Seconds from acceptance to processing of the last chunk's oldest message, per lane. */
  readonly lagSeconds: Record<Lane, number>;
  record(lane: Lane, chunk: { readonly messages: number; readonly oldestReceivedAt: Date }, now: number): void;
}

export function createIngestStats(): IngestStats {
  const processed: Record<Lane, number> = { 0: 0, 1: 0 };
  const lagSeconds: Record<Lane, number> = { 0: 0, 1: 0 };
  return {
    processed,
    lagSeconds,
    record(lane, chunk, now) {
      processed[lane] += chunk.messages;
      lagSeconds[lane] = Math.max(0, (now - chunk.oldestReceivedAt.getTime()) / 1000);
    },
  };
}
