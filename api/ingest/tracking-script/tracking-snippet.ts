import { isValidGlobalName, isValidScriptUrl, scriptLiteral } from '../../../modules/tracking-settings/script-inputs.js';

export interface SnippetOptions {
  globalName: string;
  /** Where t.js is served: `https://t.customer.com/t.js` on a pixel host, else `https://<gateway>/t.js?k=pk_...`. */
  scriptUrl: string;
  /** p.gif for browsers without JavaScript; it learns the page from the Referer header. */
  pixelUrl?: string;
}

const escapeHtmlAttribute = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The HTML a tenant pastes into its pages. The inline part makes `<global>` an array with
 * `identify`, `track`, `page` and `consent` stubs that push `['track', ...args]`, so the page
 * can call them before t.js arrives; t.js replays the array when it loads, and later pushes
 * onto that array are forwarded. The stub sends no page view: t.js does on load.
 *
 *   <script>
 *   (function(w,d,n,u){...})(window,document,"lg","https://t.customer.com/t.js");
 *   lg.consent(true); lg.identify("user-1", { email: "ada@customer.com" }); lg.track("Signed Up");
 *   </script>
 *
 * The optional `<noscript>` pixel asks for the full Referer (no-referrer-when-downgrade),
 * since the default policy would send p.gif only the site's origin.
 */
export function snippetFor(opts: SnippetOptions): string {
  if (!isValidGlobalName(opts.globalName)) throw new RangeError(`globalName is not a usable JavaScript identifier: ${opts.globalName}`);
  if (!isValidScriptUrl(opts.scriptUrl)) throw new RangeError(`scriptUrl is not an http(s) or root-relative URL: ${opts.scriptUrl}`);
  if (opts.pixelUrl !== undefined && !isValidScriptUrl(opts.pixelUrl)) {
    throw new RangeError(`pixelUrl is not an http(s) or root-relative URL: ${opts.pixelUrl}`);
  }
  const loader =
    '(function(w,d,n,u){var a=w[n]=w[n]||[];if(!Array.isArray(a))return;' +
    '["identify","track","page","consent"].forEach(function(m){a[m]=a[m]||function(){a.push([m].concat([].slice.call(arguments)))}});' +
    'var s=d.createElement("script");s.async=true;s.src=u;d.head.appendChild(s)})' +
    `(window,document,${scriptLiteral(opts.globalName)},${scriptLiteral(opts.scriptUrl)});`;
  const noscript =
    opts.pixelUrl === undefined
      ? ''
      : `\n<noscript><img src="${escapeHtmlAttribute(opts.pixelUrl)}" width="1" height="1" alt="" style="display:none" referrerpolicy="no-referrer-when-downgrade"></noscript>`;
  return `<script>\n${loader}\n</script>${noscript}\n`;
}
