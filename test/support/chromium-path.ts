import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { isExecutableFile } from '../../platform/embedded/child-server.js';

export const CHROMIUM_INSTALL_COMMAND = 'npx playwright-core install chromium';
export const CHROMIUM_SYSTEM_INSTALL_COMMAND = 'apt-get install chromium';

/** Names the system's Chromium goes by (Debian, Ubuntu/Fedora, Google's packages). */
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;
const SYSTEM_DIR = '/usr/bin';
const REASON_LINES = 2;
// Stack frames and error-object fields of the installer's retries: noise in a setup log.
const INSTALL_NOISE = /^(at |errno:|code:|syscall:|hostname:|[{}]$)/;

export type ChromiumSource = 'CHROMIUM_PATH' | 'system' | 'playwright' | 'playwright-install';

export type ChromiumLocation =
  | { readonly ok: true; readonly path: string; readonly source: ChromiumSource }
  | { readonly ok: false; readonly message: string };

/** Everything the lookup touches, injected so the order can be checked alone. */
export interface ChromiumProbes {
  /** CHROMIUM_PATH. */
  readonly configured: string | undefined;
  readonly pathEnv: string;
  isExecutable(path: string): boolean;
  /** Where Playwright's tooling puts its own Chromium build (present or not). */
  playwrightBuild(): string;
  /** Runs the Playwright install; the reason of a failure in a line or two. */
  install(): Promise<{ ok: true } | { ok: false; reason: string }>;
  log(line: string): void;
}

/**
 * The browser for the browser tests: CHROMIUM_PATH; else the system's Chromium (PATH, then
 * /usr/bin); else the build Playwright's tooling installed and cached; else that build,
 * installed now where the network allows. Failing all, one message naming the fixes.
 */
export async function locateChromium(probes: ChromiumProbes): Promise<ChromiumLocation> {
  if (probes.configured) {
    if (probes.isExecutable(probes.configured)) return { ok: true, path: probes.configured, source: 'CHROMIUM_PATH' };
    // A configured path that is wrong is a setup mistake; silently using another browser would hide it.
    return {
      ok: false,
      message:
        `CHROMIUM_PATH points to ${probes.configured}, which is not an executable file: set CHROMIUM_PATH to a ` +
        `Chromium binary, or unset it and run \`${CHROMIUM_SYSTEM_INSTALL_COMMAND}\` (Debian) or \`${CHROMIUM_INSTALL_COMMAND}\`.`,
    };
  }
  const dirs = [...probes.pathEnv.split(delimiter).filter((dir) => dir !== ''), SYSTEM_DIR];
  for (const name of SYSTEM_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (probes.isExecutable(candidate)) return { ok: true, path: candidate, source: 'system' };
    }
  }
  const build = probes.playwrightBuild();
  if (probes.isExecutable(build)) return { ok: true, path: build, source: 'playwright' };

  probes.log(`[chromium] none found; running \`${CHROMIUM_INSTALL_COMMAND}\``);
  const installed = await probes.install();
  if (installed.ok && probes.isExecutable(build)) return { ok: true, path: build, source: 'playwright-install' };
  const reason = installed.ok ? `it finished but left no browser at ${build}` : `it failed: ${installed.reason}`;
  return {
    ok: false,
    message:
      `Chromium is required by the browser tests and none was found: CHROMIUM_PATH is unset, ` +
      `no ${SYSTEM_NAMES.join(', ')} is on PATH or in ${SYSTEM_DIR}, Playwright has no build at ${build}, ` +
      `and \`${CHROMIUM_INSTALL_COMMAND}\` could not bring one (${reason}). ` +
      `Run \`${CHROMIUM_SYSTEM_INSTALL_COMMAND}\` (Debian) or \`${CHROMIUM_INSTALL_COMMAND}\`, ` +
      `or set CHROMIUM_PATH to a Chromium binary.`,
  };
}

/** The probes of this machine. */
export function machineChromiumProbes(log: (line: string) => void): ChromiumProbes {
  return {
    configured: process.env['CHROMIUM_PATH'],
    pathEnv: process.env['PATH'] ?? '',
    isExecutable: isExecutableFile,
    playwrightBuild: () => chromium.executablePath(),
    install: () => installPlaywrightChromium(log),
    log,
  };
}

/** The same as `npx playwright-core install chromium`, through the installed package (npx would ask the registry). */
function installPlaywrightChromium(log: (line: string) => void): Promise<{ ok: true } | { ok: false; reason: string }> {
  const cli = join(dirname(createRequire(import.meta.url).resolve('playwright-core/package.json')), 'cli.js');
  return new Promise((resolveInstall) => {
    const child = spawn(process.execPath, [cli, 'install', 'chromium'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The installer retries each download; a line it repeats is said once.
    const seen = new Set<string>();
    const errors: string[] = [];
    const onLines = (chunk: string): void => {
      for (const line of chunk.split(/\r?\n/)) {
        const trimmed = line.trim();
        if (trimmed === '' || INSTALL_NOISE.test(trimmed) || seen.has(trimmed)) continue;
        seen.add(trimmed);
        log(`[chromium] ${trimmed}`);
        if (/^(Error|Failed)\b/.test(trimmed)) errors.push(trimmed);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onLines);
    child.stderr.setEncoding('utf8').on('data', onLines);
    child.once('error', (err) => resolveInstall({ ok: false, reason: err.message }));
    child.once('exit', (code, signal) => {
      if (code === 0) resolveInstall({ ok: true });
      else {
        const exit = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
        // The first errors are the cause (a DNS failure, a refused download); later ones only repeat it.
        const cause = errors.slice(0, REASON_LINES).join('; ');
        resolveInstall({ ok: false, reason: cause === '' ? exit : `${exit}: ${cause}` });
      }
    });
  });
}
