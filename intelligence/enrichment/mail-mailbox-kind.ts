import { roleMailboxNames } from './mail-domain-lists.js';

/** Whether a mailbox is a function's (`sales`, `no-reply`) or, as far as its name tells, a person's. */
export type MailboxKind = 'role' | 'person';

/**
 * Names `role-based-email-addresses` lists that are common given names, so an
 * address of them is far more often a person's: 1 of its 1,018 names.
 */
const GIVEN_NAMES: ReadonlySet<string> = new Set(['per']);

/** Read from the name alone; a `+tag` is ignored, and `no-reply`, `no_reply`, `no.reply` are one name. */
export function mailboxKind(localPart: string): MailboxKind {
  const plus = localPart.indexOf('+');
  const base = (plus < 0 ? localPart : localPart.slice(0, plus)).trim().toLowerCase();
  if (base === '' || GIVEN_NAMES.has(base)) return 'person';
  const names = roleMailboxNames();
  return names.has(base) || names.has(base.replace(/[._-]/g, '')) ? 'role' : 'person';
}
