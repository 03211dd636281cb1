import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';

/**
 * Waits until every commit made before the call is readable by gap-safe readers: until no
 * transaction holding an xid below the snapshot's xmax (the latest completed xid + 1) is still
 * in flight, anywhere in the cluster. Gap-safe reads show only commits older than the oldest
 * transaction in flight, and transaction ids are cluster-wide: another test file's open
 * transaction can hide this file's last commit from readAll. A test that asserts the exact
 * outcome of each step (rather than retrying with `eventually`) calls this first, so a loaded
 * CI machine cannot turn an 'applied' into a 'caught-up'. New xids are always at or above that
 * bound, so the wait only moves towards its end; it fails, naming the sessions in the way,
 * when one of them stays open for `timeoutMs`.
 */
export async function logSettled(dataSource: DataSource, timeoutMs = 30_000): Promise<void> {
  const [{ bound }] = await dataSource.query<{ bound: string }[]>(
    `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS bound`,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ settled }] = await dataSource.query<{ settled: boolean }[]>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS settled`,
      [bound],
    );
    if (settled) return;
    if (Date.now() > deadline) {
      const blockers = await dataSource.query<{ pid: number; state: string; query: string }[]>(
        `SELECT pid, backend_xid::text AS xid, state, left(query, 200) AS query
           FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
      );
      throw new Error(
        `transactions below xid ${bound} still in flight after ${timeoutMs} ms: ${JSON.stringify(blockers)}`,
      );
    }
    await sleep(5);
  }
}
