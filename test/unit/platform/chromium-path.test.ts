import { describe, expect, it } from 'vitest';
import { locateChromium, type ChromiumProbes } from '../../support/chromium-path.js';

const BUILD = '/root/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome';

/** A machine where exactly `executables` exist; install() may add the Playwright build. */
function machine(opts: {
  configured?: string;
  pathEnv?: string;
  executables: string[];
  install?: 'adds-build' | 'adds-nothing' | { fails: string };
}) {
  const present = new Set(opts.executables);
  const events: string[] = [];
  const probes: ChromiumProbes = {
    configured: opts.configured,
    pathEnv: opts.pathEnv ?? '/usr/local/bin:/snap/bin',
    isExecutable: (path) => present.has(path),
    playwrightBuild: () => BUILD,
    install: async () => {
      events.push('install');
      const install = opts.install ?? { fails: 'install must not be reached' };
      if (install === 'adds-build') present.add(BUILD);
      if (typeof install === 'object') return { ok: false, reason: install.fails };
      return { ok: true };
    },
    log: (line) => events.push(line),
  };
  return { probes, events };
}

describe('Chromium resolution order', () => {
  it('takes CHROMIUM_PATH first, over the system and Playwright builds', async () => {
    const { probes, events } = machine({ configured: '/opt/chromium/chrome', executables: ['/opt/chromium/chrome', '/usr/bin/chromium', BUILD] });
    expect(await locateChromium(probes)).toEqual({ ok: true, path: '/opt/chromium/chrome', source: 'CHROMIUM_PATH' });
    expect(events).toEqual([]);
  });

  it('stops at a CHROMIUM_PATH that is not executable, naming it and the install commands', async () => {
    const { probes, events } = machine({ configured: '/opt/nothing/chrome', executables: ['/usr/bin/chromium'] });
    const found = await locateChromium(probes);
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.message).toContain('CHROMIUM_PATH points to /opt/nothing/chrome');
    expect(found.message).toContain('`apt-get install chromium`');
    expect(found.message).toContain('`npx playwright-core install chromium`');
    expect(events).toEqual([]);
  });

  it('without CHROMIUM_PATH, takes the system Chromium from PATH before /usr/bin', async () => {
    const { probes } = machine({ executables: ['/snap/bin/chromium', '/usr/bin/chromium', BUILD] });
    expect(await locateChromium(probes)).toEqual({ ok: true, path: '/snap/bin/chromium', source: 'system' });
  });

  it('prefers Chromium to Google Chrome wherever each is', async () => {
    const { probes } = machine({ executables: ['/usr/local/bin/google-chrome', '/usr/bin/chromium-browser'] });
    expect(await locateChromium(probes)).toEqual({ ok: true, path: '/usr/bin/chromium-browser', source: 'system' });
  });

  it('looks in /usr/bin even when PATH leaves it out', async () => {
    const { probes } = machine({ pathEnv: '', executables: ['/usr/bin/google-chrome'] });
    expect(await locateChromium(probes)).toEqual({ ok: true, path: '/usr/bin/google-chrome', source: 'system' });
  });

  it('with no system browser, takes the build Playwright installed, without installing', async () => {
    const { probes, events } = machine({ executables: [BUILD] });
    expect(await locateChromium(probes)).toEqual({ ok: true, path: BUILD, source: 'playwright' });
    expect(events).toEqual([]);
  });

  it('with no browser at all, installs Playwright\'s and takes it', async () => {
    const { probes, events } = machine({ executables: [], install: 'adds-build' });
    expect(await locateChromium(probes)).toEqual({ ok: true, path: BUILD, source: 'playwright-install' });
    expect(events).toEqual(['[chromium] none found; running `npx playwright-core install chromium`', 'install']);
  });

  it('when the install fails, stops with one message naming CHROMIUM_PATH, both commands and the cause', async () => {
    const { probes } = machine({ executables: [], install: { fails: 'exit code 1: Error: getaddrinfo ENOTFOUND cdn.playwright.dev' } });
    const found = await locateChromium(probes);
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.message).toMatch(/^Chromium is required by the browser tests and none was found: CHROMIUM_PATH is unset/);
    expect(found.message).toContain('no chromium, chromium-browser, google-chrome, google-chrome-stable is on PATH or in /usr/bin');
    expect(found.message).toContain(`Playwright has no build at ${BUILD}`);
    expect(found.message).toContain('getaddrinfo ENOTFOUND cdn.playwright.dev');
    expect(found.message).toContain('Run `apt-get install chromium` (Debian) or `npx playwright-core install chromium`, or set CHROMIUM_PATH');
  });

  it('when the install reports success but leaves no browser, stops all the same', async () => {
    const { probes } = machine({ executables: [], install: 'adds-nothing' });
    const found = await locateChromium(probes);
    expect(found).toMatchObject({ ok: false });
    if (found.ok) return;
    expect(found.message).toContain(`it finished but left no browser at ${BUILD}`);
  });
});
