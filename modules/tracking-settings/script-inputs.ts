/**
 * What may go into the generated JavaScript and HTML. Tenant settings are checked with
 * these when they are saved; the renderers check again and refuse, since a bad value
 * here would break, or be injected into, the tenant's own pages.
 */

// Reserved words, and globals a page cannot lose without breaking (window.document = {} would).
const FORBIDDEN_GLOBALS = new Set(
  [
    'await break case catch class const continue debugger default delete do else enum export extends',
    'false finally for function if implements import in instanceof interface let new null package private',
    'protected public return static super switch this throw true try typeof var void while with yield',
    'undefined NaN Infinity eval arguments globalThis window self document location top parent frames',
    'navigator name status history length opener closed origin crypto fetch console performance screen',
    'localStorage sessionStorage customElements event external frameElement',
    'Array Object Function String Number Boolean Symbol BigInt Math JSON Date RegExp Error Promise Proxy',
    'Reflect Map Set WeakMap WeakSet URL URLSearchParams Blob',
  ]
    .join(' ')
    .split(' '),
);

/** A plain ASCII JavaScript identifier of at most 64 characters that clobbers nothing the page needs. */
export function isValidGlobalName(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(name) && !FORBIDDEN_GLOBALS.has(name);
}

/**
 * An RFC 6265 token of at most 64 characters. The `__Host-` and `__Secure-` prefixes are
 * refused: the first forbids the Domain attribute the cookie needs to span subdomains, the
 * second makes browsers drop the cookie on http pages.
 */
export function isValidCookieName(name: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(name) && !/^__(host|secure)-/i.test(name);
}

/** An absolute http(s) URL or a root-relative path: where the browser may send or load from. */
export function isValidScriptUrl(url: string): boolean {
  if (url.length > 2048 || /\s/.test(url) || [...url].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) return false;
  if (url.startsWith('/')) return !url.startsWith('//') && !url.startsWith('/\\');
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** Publishable keys are `pk_` and base64url; nothing else is embedded as a write key. */
export function isValidWriteKey(key: string): boolean {
  return /^pk_[A-Za-z0-9_-]{1,200}$/.test(key);
}

/**
 * A JavaScript literal of `value` that is also safe inside an HTML `<script>` element:
 * `<`, `>` and `&` cannot close the element or open a comment, and U+2028/9 are escaped
 * for engines older than ES2019.
 */
export function scriptLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
