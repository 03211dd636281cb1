import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';

/**
 * Waits until every transaction that had started when it was called has ended, anywhere in
 * the cluster. Gap-safe reads show only commits older than the oldest transaction in flight,
 * and transaction ids are cluster-wide: another test file's open transaction can hide this
 * file's last commit from readAll. A test that asserts the exact outcome of each step (rather
 * than retrying with `eventually`) calls this first, so a loaded CI machine cannot turn an
 * 'applied' into a 'caught-up'.
 */
export async function logSettled(dataSource: DataSource, timeoutMs = 30_000): Promise<void> {
  const [{ next }] = await dataSource.query<{ next: string }[]>(
    `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next`,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ settled }] = await dataSource.query<{ settled: boolean }[]>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS settled`,
      [next],
    );
    if (settled) return;
    if (Date.now() > deadline)
      throw new Error(`transactions older than xid ${next} still in flight after ${timeoutMs} ms`);
    await sleep(5);
  }
}
