/**
 * The position of a lead in the listing order (created_at desc, id desc).
 * The timestamp travels as ISO text with microseconds (a JS Date would drop them).
 */
export interface LeadPosition {
  readonly createdAt: string;
  readonly id: string;
}

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeLeadCursor(position: LeadPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** The position a cursor names, or undefined for anything this code did not hand out. */
export function decodeLeadCursor(cursor: string): LeadPosition | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [createdAt, id] = decoded as unknown[];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || !ISO_MICROS.test(createdAt)) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}
