import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';

/** What ua-parser-js names, plus `desktop` (which it leaves unnamed) and `bot` (isbot's list). */
export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'tv' | 'console' | 'wearable' | 'embedded' | 'bot';

export interface Device {
  /** Name and major version, e.g. "Chrome 131". */
  readonly browser: string | null;
  /** Name and version, e.g. "iOS 17.5". Safari on macOS reports 10.15.7 whatever the release. */
  readonly os: string | null;
  readonly type: DeviceType | null;
}

const TYPES: Readonly<Record<string, DeviceType>> = {
  mobile: 'mobile',
  tablet: 'tablet',
  smarttv: 'tv',
  console: 'console',
  wearable: 'wearable',
  embedded: 'embedded',
};

// ua-parser-js names no device type for computers: these systems run on them.
const DESKTOP_SYSTEMS = /^(?:windows|mac os|macos|linux|ubuntu|debian|fedora|mint|arch|gentoo|chrome os|chromium os|freebsd|openbsd|netbsd|solaris)$/i;

const joined = (name: string | undefined, version: string | undefined) => (name === undefined ? null : version === undefined ? name : `${name} ${version}`);

/** Browser, system and kind of device a user agent names; null when there is no user agent. */
export function deviceOf(userAgent: string | undefined): Device | null {
  if (userAgent === undefined || userAgent === '') return null;
  const { browser, os, device } = new UAParser(userAgent).getResult();
  const named = device.type === undefined ? undefined : TYPES[device.type];
  const type: DeviceType | null = isbot(userAgent)
    ? 'bot'
    : (named ?? (os.name !== undefined && DESKTOP_SYSTEMS.test(os.name) ? 'desktop' : null));
  return { browser: joined(browser.name, browser.major), os: joined(os.name, os.version), type };
}
