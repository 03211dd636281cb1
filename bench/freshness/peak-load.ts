import autocannon from 'autocannon';
import { Principals } from '../support/bench-auth';

export const DEPOSIT_AMOUNT = 100;
export const DEPOSIT_BODY = { amount: DEPOSIT_AMOUNT, reference: 'freshness bench' };

/** What one closed-loop autocannon run of deposits did. */
export interface PeakResult {
  /** 2xx answers per second of the run. */
  readonly perSecond: number;
  readonly ok: number;
  /** Non-2xx answers, connection errors and timeouts. */
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Deposits through autocannon, each as the next of `tellers`, `connections` keep-alive
 * connections each sending its next request as soon as the last is answered, the accounts
 * taken in turn (so no two requests queue on one stream unless there are fewer accounts than
 * connections).
 */
export async function depositPeak(
  baseUrl: string,
  tellers: Principals,
  accounts: readonly string[],
  connections: number,
  seconds: number,
): Promise<PeakResult> {
  let next = 0;
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEPOSIT_BODY),
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          path: `/accounts/${accounts[next++ % accounts.length]}/deposits`,
          headers: { ...request.headers, ...tellers() },
        }),
      },
    ],
  });
  return {
    perSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    failed: result.non2xx + result.errors,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}
