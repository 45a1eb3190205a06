import { randomUUID } from 'node:crypto';
import { campaignOf, type PageMessage, type PageProperties } from '../tracking-script/page-message.js';
import { isValidWriteKey } from '../../../modules/tracking-settings/script-inputs.js';

export type PixelQueryError = {
  /** MISSING_KEY and INVALID_KEY are the route's 401; INVALID_PARAMETER its 400. p.gif answers a GIF regardless. */
  code: 'MISSING_KEY' | 'INVALID_KEY' | 'INVALID_PARAMETER';
  error: string;
};

export interface PixelQueryOptions {
  /** On a tenant's pixel host the Host names the tenant, so `k` may be absent. */
  keyFromHost?: boolean;
  newMessageId?: () => string;
}

const MAX_URL_LENGTH = 2048;
const MAX_TITLE_LENGTH = 1000;
// Segment lets anonymous ids be any string; here, any printable ASCII without spaces.
const ANONYMOUS_ID = /^[\x21-\x7e]{1,200}$/;
const PIXEL_LIBRARY = Object.freeze({ name: 'pixel', version: '1' });

function parseUrl(value: string, httpOnly: boolean): URL | undefined {
  if (value.length > MAX_URL_LENGTH) return undefined;
  try {
    const url = new URL(value);
    return !httpOnly || url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

const invalid = (error: string): PixelQueryError => ({ code: 'INVALID_PARAMETER', error });

/**
 * The page message of the no-JavaScript fallback
 * `GET /p.gif?k=pk_...&aid=<anonymous id>&url=...&ref=...&title=...`, shaped as t.js's page
 * views. All but the key are optional: without `aid` the message has no anonymousId (the
 * route sets the visitor cookie and fills it); without `url` the route may first put the
 * Referer header there; fields not known are empty strings, as t.js sends them.
 */
export function pageEventFromPixelQuery(query: URLSearchParams, now: Date, options: PixelQueryOptions = {}): PageMessage | PixelQueryError {
  const key = query.get('k');
  if (key === null || key === '') {
    if (!options.keyFromHost) return { code: 'MISSING_KEY', error: 'k: the publishable key is required' };
  } else if (!isValidWriteKey(key)) {
    return { code: 'INVALID_KEY', error: 'k: not a publishable key' };
  }

  const aid = query.get('aid');
  if (aid !== null && aid !== '' && !ANONYMOUS_ID.test(aid)) return invalid('aid: not an anonymous id');

  const rawUrl = query.get('url') ?? '';
  const url = rawUrl === '' ? undefined : parseUrl(rawUrl, true);
  if (rawUrl !== '' && url === undefined) return invalid('url: not an http(s) URL');

  const referrer = query.get('ref') ?? '';
  if (referrer !== '' && parseUrl(referrer, false) === undefined) return invalid('ref: not a URL');

  const page: PageProperties = {
    url: url === undefined ? '' : url.href.split('#')[0]!,
    path: url?.pathname ?? '',
    referrer,
    title: (query.get('title') ?? '').slice(0, MAX_TITLE_LENGTH),
    search: url?.search ?? '',
  };
  const campaign = url === undefined ? undefined : campaignOf(url.searchParams);
  return {
    type: 'page',
    messageId: (options.newMessageId ?? randomUUID)(),
    timestamp: now.toISOString(),
    ...(aid ? { anonymousId: aid } : {}),
    ...(key ? { writeKey: key } : {}),
    properties: page,
    context: { page: { ...page }, ...(campaign ? { campaign } : {}), library: { ...PIXEL_LIBRARY } },
  };
}
