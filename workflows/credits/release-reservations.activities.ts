import type { CreditLedger } from '../../modules/credits/credit-ledger.js';

/** Reservations released per activity: each is its own short transaction, so a page stays well inside the timeout. */
const PAGE_SIZE = 200;

export function createReleaseReservationsActivities(deps: { ledger: Pick<CreditLedger, 'releaseExpired'> }) {
  return {
    /** One page of expired, unsettled reservations released; `more` when the page was full. */
    async releaseExpiredReservations(): Promise<{ released: number; more: boolean }> {
      const { released, due } = await deps.ledger.releaseExpired(PAGE_SIZE);
      return { released, more: due === PAGE_SIZE };
    },
  };
}

export type ReleaseReservationsActivities = ReturnType<typeof createReleaseReservationsActivities>;
