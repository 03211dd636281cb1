/** Reference suffix: gives the deposit and withdrawal bodies a realistic size. */
export const REFERENCE_TAIL = 'invoice 2026-11-14, counterparty DE89 3704 0044 0532 0130 00';

/**
 * POST /accounts/{accountId}/deposits whose reference starts with `ref` (its first word, which
 * the database checks split off), as the HTTP benchmarks send it: 100-120 bytes of body.
 */
export function depositRequest(
  accountId: string,
  amount: number,
  ref: string,
): { path: string; body: string } {
  return {
    path: `/accounts/${accountId}/deposits`,
    body: JSON.stringify({ amount, reference: `${ref} ${REFERENCE_TAIL}`, channel: 'online' }),
  };
}
