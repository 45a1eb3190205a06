import { createRequire } from 'node:module';

/**
 * The maintained lists the mail verdicts read, each loaded once, on first
 * use, into a Set: `mailchecker` alone is a megabyte of JavaScript (some
 * 56,000 domains), which a gateway that never verifies an address should not
 * pay for at start. Upgrading the packages refreshes the data.
 *
 * - disposable: `mailchecker` (MIT), 35 of 35 throwaway domains of the
 *   labelled set, and none of its 189 free, ISP or business domains;
 * - mailbox providers: `email-providers` (ISC, goware/emailproviders data),
 *   every domain that hands out personal mailboxes, free or not: 84 of 90
 *   free domains of the labelled set (the free-email-domains package covers
 *   88, but its install script downloads lists from the internet and fails
 *   where only the npm registry is reachable);
 * - role mailboxes: `role-based-email-addresses` (MIT), 55 of 55 role names
 *   of the labelled set, and 1 of its 28 person names (`per`, set apart in
 *   `mail-mailbox-kind.ts`).
 */

const require = createRequire(import.meta.url);

function lazy<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}

const stringArray = (value: unknown, what: string): string[] => {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw new TypeError(`${what} is not a list of strings`);
  return value;
};

/** Throwaway-inbox domains, lower case. */
export const disposableMailDomains = lazy((): ReadonlySet<string> => {
  const mailchecker = require('mailchecker') as { blacklist(): Set<string> };
  return mailchecker.blacklist();
});

/** Domains of personal mailbox providers (webmail, ISPs, and the throwaway services among them), lower case. */
export const mailboxProviderDomains = lazy(
  (): ReadonlySet<string> => new Set(stringArray(require('email-providers/all.json'), 'email-providers').map((d) => d.toLowerCase())),
);

/** Role mailbox names, lower case, as listed (`do-not-reply`) and with `.`, `-` and `_` removed (`donotreply`). */
export const roleMailboxNames = lazy((): ReadonlySet<string> => {
  const names = stringArray(require('role-based-email-addresses'), 'role-based-email-addresses').map((n) => n.toLowerCase());
  return new Set([...names, ...names.map((n) => n.replace(/[._-]/g, ''))]);
});
