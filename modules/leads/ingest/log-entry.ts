/**
 * A message as the ingestion log keeps it: the validated, screened message
 * with the request's peer address and who sent it. Written as JSON when the
 * request is read; read back by the processor, which prepares it for storing.
 */
import type { IngestMessage } from './segment-message.js';

/** 0: a visitor's own call (one message: a page view, a pixel), processed first; 1: bulk (batches, imports). */
export type Lane = 0 | 1;
export const URGENT_LANE: Lane = 0;
export const BULK_LANE: Lane = 1;
export const LANES: readonly Lane[] = [URGENT_LANE, BULK_LANE];

/**
 * Who sent the messages: `public` a publishable key's caller (a browser, a
 * pixel, an SDK: anyone holding the page's key), `tenant` the tenant's own
 * back end with a secret key. Automatic enrichment follows the tenant's
 * policy for the first, the tenant's word for the second.
 */
export type WriteSource = 'public' | 'tenant';

/** What the append writes for one message; `messageJson` is `IngestMessage` as JSON, dates as ISO text. */
export interface LogAppend {
  readonly messageId: string;
  readonly source: WriteSource;
  /** The request's peer address, unmasked: the processor looks up its network's company and masks it as the tenant keeps addresses. */
  readonly ip: string | null;
  readonly messageJson: string;
}

/** A log row as read, its message still the JSON the driver parsed: a row that is not a message is set aside whole, never lost. */
export interface LogRow {
  readonly position: number;
  readonly receivedAt: Date;
  readonly source: WriteSource;
  readonly ip: string | null;
  readonly json: Record<string, unknown>;
}

/** A message read back from the log, in its lane's order. */
export interface LogEntry extends Omit<LogRow, 'json'> {
  readonly message: IngestMessage;
}

export function logAppendOf(message: IngestMessage, source: WriteSource, ip: string | null): LogAppend {
  return { messageId: message.messageId, source, ip, messageJson: JSON.stringify(message) };
}

/**
 * The entry of a log row: its JSON is a message as `logAppendOf` wrote it, so
 * only `at` needs turning back into a Date. A TypeError otherwise: the row's
 * own fault, which sets it aside.
 */
export function logEntryOf(row: LogRow): LogEntry {
  const { json, ...rest } = row;
  const at = json['at'];
  const when = typeof at === 'string' ? new Date(at) : undefined;
  if (when === undefined || Number.isNaN(when.getTime()) || typeof json['messageId'] !== 'string' || typeof json['type'] !== 'string') {
    throw new TypeError(`ingestion log row ${row.position} is not a message`);
  }
  return { ...rest, message: { ...(json as unknown as IngestMessage), at: when } };
}
