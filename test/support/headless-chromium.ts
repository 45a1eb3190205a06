import { chromium, type Browser, type Page } from 'playwright-core';
import { inject } from 'vitest';

/** Resolved once per run by the global setup (test/support/chromium-path.ts), which stops the run without one. */
export const chromiumPath = (): string => inject('chromiumPath');

/** The user agent the tests' browser sends: a desktop Chrome's. */
export const VISITOR_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

// Each one is joined into a single --host-resolver-rules flag, so nothing but a host name may go in.
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/**
 * Headless Chromium whose DNS answers 127.0.0.1 for `loopbackHosts`, so a page may
 * load from made-up hosts (a tenant's pixel host) served by local servers.
 *
 * launch() rather than launchPersistentContext(): Playwright gives the browser a
 * temporary user-data dir it deletes on close(), and every newContext() starts with
 * no cookies or storage, so each test gets a fresh profile without managing a dir.
 */
export async function launchHeadlessChromium(opts: { loopbackHosts: readonly string[] }): Promise<Browser> {
  const executablePath = chromiumPath();
  const bad = opts.loopbackHosts.find((host) => !HOST.test(host));
  if (bad !== undefined) throw new RangeError(`not a host name: ${bad}`);
  const rules = opts.loopbackHosts.map((host) => `MAP ${host} 127.0.0.1`).join(', ');
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A visitor's browser, as people's are: "HeadlessChrome" is a crawler's user agent, and crawlers make no leads.
      `--user-agent=${VISITOR_USER_AGENT}`,
      ...(rules === '' ? [] : [`--host-resolver-rules=${rules}`]),
    ],
  });
}

/** One request of the page, and its answer as it came over the wire. */
export interface RecordedExchange {
  readonly url: URL;
  /** DevTools' resource type: Document, Script, Ping (a beacon)… */
  readonly type: string;
  readonly method: string;
  readonly requestBody: string;
  /** Undefined when no answer came (yet). */
  readonly status: number | undefined;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Empty when the browser keeps none: a beacon's answer, or a request that failed. */
  readonly body: string;
}

interface Sent {
  url: string;
  type: string;
  method: string;
  requestBody: Promise<string>;
}

const lowerCased = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/**
 * Records a page's traffic through DevTools directly: Playwright's response events show a
 * beacon's answer without headers (Chromium reports them only in responseReceivedExtraInfo)
 * and its request without its Blob body. Bodies are read as each load finishes, before a
 * navigation can discard them.
 */
export async function recordNetwork(page: Page): Promise<{ exchanges(): Promise<RecordedExchange[]> }> {
  const session = await page.context().newCDPSession(page);
  const sent = new Map<string, Sent>();
  const statuses = new Map<string, number>();
  const headers = new Map<string, Record<string, string>>();
  const bodies = new Map<string, Promise<string>>();
  const addHeaders = (requestId: string, more: Record<string, string>) =>
    headers.set(requestId, { ...headers.get(requestId), ...lowerCased(more) });

  session.on('Network.requestWillBeSent', (event) => {
    const requestBody = event.request.hasPostData
      ? session.send('Network.getRequestPostData', { requestId: event.requestId }).then((read) => read.postData, () => '')
      : Promise.resolve('');
    sent.set(event.requestId, { url: event.request.url, type: event.type ?? 'Other', method: event.request.method, requestBody });
  });
  session.on('Network.responseReceived', (event) => {
    statuses.set(event.requestId, event.response.status);
    addHeaders(event.requestId, event.response.headers);
  });
  // May come before or after responseReceived; the raw headers, the only ones a beacon's answer has here.
  session.on('Network.responseReceivedExtraInfo', (event) => addHeaders(event.requestId, event.headers));
  session.on('Network.loadingFinished', (event) => {
    const body = session.send('Network.getResponseBody', { requestId: event.requestId }).then(
      (read) => (read.base64Encoded ? Buffer.from(read.body, 'base64').toString('utf8') : read.body),
      () => '',
    );
    bodies.set(event.requestId, body);
  });
  await session.send('Network.enable');

  return {
    exchanges: () =>
      Promise.all(
        [...sent].map(async ([requestId, request]) => ({
          url: new URL(request.url),
          type: request.type,
          method: request.method,
          requestBody: await request.requestBody,
          status: statuses.get(requestId),
          headers: headers.get(requestId) ?? {},
          body: (await bodies.get(requestId)) ?? '',
        })),
      ),
  };
}
