import { DataSource } from 'typeorm';

/**
 * Waits until every event in the log is below the gap-safe horizon (no transaction older than
 * it is in flight, anywhere on the server): a checkpoint written then covers the whole log in
 * one. Other test files' transactions on a shared server can hold the horizon back a while.
 */
export async function waitForLogHorizon(dataSource: DataSource, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ pending }] = await dataSource.query<{ pending: number }[]>(
      `SELECT count(*)::int AS pending FROM es_events
        WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())`,
    );
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} events stay above the horizon`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
