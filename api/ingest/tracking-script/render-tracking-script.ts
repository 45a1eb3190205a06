import { CAMPAIGN_PARAMETERS } from './page-message.js';
import { isValidCookieName, isValidGlobalName, isValidScriptUrl, isValidWriteKey, scriptLiteral } from '../../../modules/tracking-settings/script-inputs.js';

export { isValidCookieName, isValidGlobalName } from '../../../modules/tracking-settings/script-inputs.js';
export { snippetFor } from './tracking-snippet.js';

export interface TrackingScriptOptions {
  globalName: string;
  cookieName: string;
  requireConsent: boolean;
  /** Absolute or root-relative URL of the batch endpoint, e.g. 'https://t.customer.com/v1/batch'. */
  endpoint: string;
  /** Only when served via `?k=`; on a pixel host the Host names the tenant. */
  writeKey?: string;
}

/**
 * The browser script served as t.js: vanilla ES2017, no dependencies, and no word of its
 * vendor (white-label hosts serve it as their own; the library name it reports is the
 * tenant's global name). Behaviour, in order of the code below:
 *
 * - The anonymous id lives in a first-party cookie written on the widest domain the browser
 *   accepts (a probe value is tried from the two-label suffix up to the full host, so
 *   `co.uk`-like public suffixes are refused by the browser, not by a list we would have to
 *   ship), else host-only; renewed for a year on every load.
 * - Consent: undecided (null), granted or refused. With `requireConsent`, nothing is written
 *   or sent while undecided and calls wait in memory (at most 100); refusing, in either
 *   mode, drops the waiting calls, deletes the cookie and sends nothing more. The page must
 *   call `consent(true)` on every load: the script does not remember a grant, since the only
 *   place it could is a cookie. `context.consent` = { required, granted } on every message,
 *   `granted` meaning an explicit `consent(true)`. A grant is also announced, once per
 *   page, as a `Consent Updated` event, which the service records with the script as its
 *   source. A refusal is not, by design: refusing means nothing more leaves the page, and
 *   the message would carry the very id and address the visitor refused (under required
 *   consent, nothing was ever sent before a grant). A tenant that must prove a refusal or a
 *   withdrawal records it from its own back end (`recordConsent`).
 * - Sending: one `{ batch: [message] }` per call through sendBeacon with a text/plain body (a
 *   CORS-safelisted type, so no preflight), else fetch with keepalive.
 * - Calls queued by the stub snippet are replayed: consent decisions first, then the
 *   automatic page view, then the rest in their order. A second copy of the script is inert.
 * - Every method swallows its own errors: a tracking script must never break the host page.
 */
export function renderTrackingScript(opts: TrackingScriptOptions): string {
  if (!isValidGlobalName(opts.globalName)) throw new RangeError(`globalName is not a usable JavaScript identifier: ${opts.globalName}`);
  if (!isValidCookieName(opts.cookieName)) throw new RangeError(`cookieName is not a usable cookie name: ${opts.cookieName}`);
  if (!isValidScriptUrl(opts.endpoint)) throw new RangeError(`endpoint is not an http(s) or root-relative URL: ${opts.endpoint}`);
  if (opts.writeKey !== undefined && !isValidWriteKey(opts.writeKey)) throw new RangeError('writeKey is not a publishable key');

  return String.raw`(function(w, d) {
"use strict";
var G = ${scriptLiteral(opts.globalName)}, C = ${scriptLiteral(opts.cookieName)}, EP = ${scriptLiteral(opts.endpoint)};
var WK = ${scriptLiteral(opts.writeKey ?? null)}, REQ = ${opts.requireConsent ? 'true' : 'false'}, UTM = ${scriptLiteral(CAMPAIGN_PARAMETERS)};
var prior = w[G], loc = w.location, granted = null, aid, uid, queue = [];
if (prior && prior.anonymousId) return;
function uuid() {
 var c = w.crypto;
 return c.randomUUID ? c.randomUUID() : ([1e7]+-1e3+-4e3+-8e3+-1e11).replace(/[018]/g, function(x) {
  return (x ^ c.getRandomValues(new Uint8Array(1))[0] & 15 >> x / 4).toString(16);
 });
}
function cookies() { return d.cookie.split(/;\s*/); }
function readId() {
 var p = C + "=", v = cookies().filter(function(c) { return c.indexOf(p) == 0 && /^[\w-]{8,64}$/.test(c.slice(p.length)); })[0];
 return v && v.slice(p.length);
}
function write(value, domain, age) {
 d.cookie = C + "=" + value + "; path=/; max-age=" + age + (domain ? "; domain=" + domain : "") +
  "; SameSite=Lax" + (loc.protocol == "https:" ? "; Secure" : "");
}
function domains() {
 var h = loc.hostname.replace(/\.$/, ""), l = h.split("."), out = [], i;
 if (!/^[0-9.]+$|[:\[]/.test(h)) for (i = l.length - 2; i >= 0; i--) out.push(l.slice(i).join("."));
 return out;
}
function persist(value) {
 var all = domains(), i, probe;
 for (i = 0; i < all.length; i++) {
  write(probe = uuid(), all[i], 10);
  if (cookies().indexOf(C + "=" + probe) >= 0) return write(value, all[i], 31536000);
 }
 write(value, "", 31536000);
}
function anonymous() {
 if (!aid) persist(aid = readId() || uuid());
 return aid;
}
function sending() { return granted || (!REQ && granted == null); }
function pageInfo() {
 return { url: loc.href.split("#")[0], path: loc.pathname, referrer: d.referrer, title: d.title, search: loc.search };
}
function send(m) {
 m.anonymousId = anonymous();
 m.context.consent = { required: REQ, granted: !!granted };
 var json = JSON.stringify({ batch: [m], writeKey: WK || undefined });
 try { if (w.navigator.sendBeacon(EP, new Blob([json], { type: "text/plain" }))) return; } catch (e) {}
 w.fetch(EP, { method: "POST", body: json, keepalive: true, headers: { "content-type": "text/plain" }, credentials: "omit" }).catch(function() {});
}
function message(type, fields) {
 var q = new URLSearchParams(loc.search), k, c, ctx = { library: { name: G, version: "1" }, userAgent: w.navigator.userAgent, page: pageInfo() };
 for (k in UTM) if (q.get(k)) { c = ctx.campaign = c || {}; c[UTM[k]] = q.get(k); }
 var m = Object.assign({ type: type, messageId: uuid(), timestamp: new Date().toISOString(), userId: uid, context: ctx }, fields);
 if (sending()) send(m); else if (granted == null && queue.length < 100) queue.push(m);
}
var api = {
 identify: function(id, traits) {
  if (typeof id == "string" || typeof id == "number") uid = String(id); else traits = id;
  message("identify", { traits: traits || {} });
 },
 track: function(event, props) {
  if (event && typeof event == "string") message("track", { event: event, properties: props || {} });
 },
 page: function(name, props) {
  if (typeof name != "string") { props = name; name = undefined; }
  message("page", { name: name || undefined, properties: Object.assign(pageInfo(), props) });
 },
 consent: function(yes) {
  var waiting = queue, was = granted;
  queue = [];
  if (granted = !!yes) return was || api.track("Consent Updated"), waiting.forEach(send);
  domains().concat("").forEach(function(domain) { write("", domain, 0); });
  aid = undefined;
 },
 anonymousId: function() { return sending() ? anonymous() : undefined; },
 push: function(call) { return api[call[0]].apply(api, call.slice(1)); }
};
Object.keys(api).forEach(function(k) {
 var f = api[k];
 api[k] = function() { try { return f.apply(api, arguments); } catch (e) {} };
});
w[G] = api;
var stub = Array.isArray(prior) ? prior : [];
function replay(consents) {
 stub.forEach(function(call) { if (call && (call[0] == "consent") == consents) api.push(call); });
}
replay(true);
api.page();
replay(false);
stub.push = api.push;
})(window, document);
`;
}
