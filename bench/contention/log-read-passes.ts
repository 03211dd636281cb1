/**
 * The reader side of the gap-safety benchmark: one pass over the whole log, page by page,
 * (1) through PostgresEventStore.readAll (gap-safe: (transaction id, position) order, only
 * transactions older than every one in flight) and (2) with the plain keyset read by
 * global_position that a store serialising its appends (the advisory-lock alternative) could
 * use instead. Both map rows the same way and check that every event comes once, in order.
 */
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { RecordedEvent, START } from '@ledgerline/event-sourcing';
import {
  EVENT_COLUMNS,
  EventRow,
  PostgresEventStore,
  toRecordedEvent,
} from '@ledgerline/event-sourcing/postgres';

export interface ReadPass {
  readonly ms: number;
  readonly events: number;
  readonly pages: number;
}

const POSITION_PAGE_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM es_events e
 WHERE e.global_position > $1::bigint
 ORDER BY e.global_position
 LIMIT $2`;

async function pass(
  expected: number,
  order: (a: RecordedEvent, b: RecordedEvent) => boolean,
  page: (after: RecordedEvent | undefined) => Promise<RecordedEvent[]>,
): Promise<ReadPass> {
  const seen = new Set<string>();
  let last: RecordedEvent | undefined;
  let pages = 0;
  const started = performance.now();
  for (;;) {
    const batch = await page(last);
    pages++;
    if (batch.length === 0) break;
    for (const event of batch) {
      if (last && !order(last, event)) throw new Error(`log read out of order at ${event.eventId}`);
      seen.add(event.eventId);
      last = event;
    }
  }
  const ms = performance.now() - started;
  if (seen.size !== expected) throw new Error(`log read gave ${seen.size} events of ${expected}`);
  return { ms, events: seen.size, pages };
}

export const readAllPass = (store: PostgresEventStore, expected: number, pageSize: number) =>
  pass(
    expected,
    (a, b) =>
      a.transactionId < b.transactionId ||
      (a.transactionId === b.transactionId && a.globalPosition < b.globalPosition),
    (after) => store.readAll(after ?? START, pageSize),
  );

export const positionPass = (dataSource: DataSource, expected: number, pageSize: number) =>
  pass(
    expected,
    (a, b) => a.globalPosition < b.globalPosition,
    async (after) => {
      const rows: EventRow[] = await dataSource.query(POSITION_PAGE_SQL, [
        (after?.globalPosition ?? 0n).toString(),
        pageSize,
      ]);
      return rows.map(toRecordedEvent);
    },
  );
