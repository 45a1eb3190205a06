import vm from 'node:vm';

/** Public suffixes the fake jar knows: a Domain attribute naming one is refused, as browsers do. */
const PUBLIC_SUFFIXES = new Set(['co', 'com', 'uk', 'co.uk', 'example']);

export interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  secure: boolean;
  expiresAt: number;
}

/** The slice of RFC 6265 storage that t.js relies on: Domain matching, public suffixes, Max-Age, Secure. */
export class CookieJar {
  /** Every `document.cookie = ...` assignment, in order, prefixed by the host that made it. */
  readonly writes: string[] = [];
  private cookies: StoredCookie[] = [];

  constructor(private readonly now: () => number = () => Date.now()) {}

  set(page: URL, header: string): void {
    this.writes.push(`${page.hostname} ${header}`);
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    if (eq < 1) return;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let domainAttribute = '';
    let maxAge: number | undefined;
    let secure = false;
    for (const attribute of attributes) {
      const [key = '', val = ''] = attribute.split('=');
      if (key.toLowerCase() === 'domain') domainAttribute = val.replace(/^\./, '').toLowerCase();
      if (key.toLowerCase() === 'max-age') maxAge = Number(val);
      if (key.toLowerCase() === 'secure') secure = true;
    }
    const host = page.hostname;
    if (secure && page.protocol !== 'https:') return;
    let domain = host;
    let hostOnly = true;
    if (domainAttribute !== '') {
      if (PUBLIC_SUFFIXES.has(domainAttribute) && domainAttribute !== host) return;
      if (host !== domainAttribute && !host.endsWith(`.${domainAttribute}`)) return;
      if (!PUBLIC_SUFFIXES.has(domainAttribute)) {
        domain = domainAttribute;
        hostOnly = false;
      }
    }
    this.cookies = this.cookies.filter((c) => !(c.name === name && c.domain === domain));
    if (maxAge !== undefined && maxAge <= 0) return;
    const expiresAt = maxAge === undefined ? Number.POSITIVE_INFINITY : this.now() + maxAge * 1000;
    this.cookies.push({ name, value, domain, hostOnly, secure, expiresAt });
  }

  get(page: URL): string {
    return this.visible(page)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  visible(page: URL): StoredCookie[] {
    const host = page.hostname;
    return this.cookies.filter(
      (c) =>
        c.expiresAt > this.now() &&
        (!c.secure || page.protocol === 'https:') &&
        (c.hostOnly ? host === c.domain : host === c.domain || host.endsWith(`.${c.domain}`)),
    );
  }

  all(): readonly StoredCookie[] {
    return this.cookies.filter((c) => c.expiresAt > this.now());
  }
}

export interface SentMessage {
  type: string;
  messageId: string;
  timestamp: string;
  anonymousId: string;
  userId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context: {
    page: Record<string, string>;
    campaign?: Record<string, string>;
    library: { name: string; version: string };
    userAgent: string;
    consent: { required: boolean; granted: boolean };
  };
}

export interface Sent {
  via: 'beacon' | 'fetch';
  url: string;
  contentType: string;
  body: { batch: SentMessage[]; writeKey?: string };
  fetchInit?: Record<string, unknown>;
}

export interface PageOptions {
  url: string;
  jar: CookieJar;
  referrer?: string;
  title?: string;
  /** sendBeacon accepts (default), refuses (returns false), or does not exist. */
  beacon?: 'accept' | 'refuse' | 'absent';
  /** Insecure contexts have no crypto.randomUUID. */
  randomUUID?: boolean;
}

export interface FakePage {
  readonly window: Record<string, unknown>;
  readonly sent: Sent[];
  readonly appendedScripts: Array<{ src?: string; async?: boolean }>;
  run(code: string): unknown;
  /** Calls `window[globalName][method](...args)` inside the page, as the page's own code would. */
  call(globalName: string, method: string, ...args: unknown[]): unknown;
  messages(): SentMessage[];
}

class CapturedBlob {
  constructor(
    readonly parts: string[],
    readonly options: { type?: string } = {},
  ) {}
  get type(): string {
    return this.options.type ?? '';
  }
}

/** A fresh browsing context (one page load) over a shared cookie jar. */
export function openPage(options: PageOptions): FakePage {
  const location = new URL(options.url);
  const sent: Sent[] = [];
  const appendedScripts: Array<{ src?: string; async?: boolean }> = [];
  const webCrypto = globalThis.crypto;
  const crypto =
    options.randomUUID === false
      ? { getRandomValues: <T extends ArrayBufferView>(array: T): T => webCrypto.getRandomValues(array as never) }
      : webCrypto;

  const navigator: Record<string, unknown> = { userAgent: 'FakeBrowser/1.0 (vitest)' };
  if ((options.beacon ?? 'accept') !== 'absent') {
    navigator['sendBeacon'] = (url: string, blob: CapturedBlob): boolean => {
      if (options.beacon === 'refuse') return false;
      sent.push({ via: 'beacon', url, contentType: blob.type, body: JSON.parse(blob.parts.join('')) as Sent['body'] });
      return true;
    };
  }
  const fetch = (url: string, init: Record<string, unknown>): Promise<{ ok: boolean }> => {
    const copy = JSON.parse(JSON.stringify(init)) as Record<string, unknown> & { body: string; headers: Record<string, string> };
    sent.push({ via: 'fetch', url, contentType: copy.headers['content-type'] ?? '', body: JSON.parse(copy.body) as Sent['body'], fetchInit: copy });
    return Promise.resolve({ ok: true });
  };

  const document = {
    get cookie(): string {
      return options.jar.get(location);
    },
    set cookie(header: string) {
      options.jar.set(location, header);
    },
    referrer: options.referrer ?? '',
    title: options.title ?? '',
    createElement: (tag: string) => ({ tagName: tag.toUpperCase() }),
    head: { appendChild: (element: { src?: string; async?: boolean }) => appendedScripts.push(element) },
  };

  const window: Record<string, unknown> = { location, document, navigator, crypto, fetch, Blob: CapturedBlob, URLSearchParams };
  window['window'] = window;
  const context = vm.createContext(window);

  return {
    window,
    sent,
    appendedScripts,
    run: (code) => vm.runInContext(code, context, { filename: 't.js' }),
    call: (globalName, method, ...args) => {
      const target = window[globalName] as Record<string, (...a: unknown[]) => unknown>;
      return target[method]!(...args);
    },
    messages: () => sent.flatMap((s) => s.body.batch),
  };
}

/** The JavaScript inside the first `<script>` element of an HTML snippet. */
export function inlineScriptOf(html: string): string {
  const match = /<script>([\s\S]*?)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no inline script in the snippet');
  return match[1];
}
