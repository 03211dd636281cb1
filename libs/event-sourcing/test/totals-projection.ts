import { randomUUID } from 'node:crypto';
import {
  DEFAULT_PROJECTION_RUNNER_OPTIONS,
  Projection,
  ProjectionRunner,
  RecordedEvent,
} from '../src';
import { PostgresEventStore, PostgresProjectionStore } from '../src/postgres';
import { eventually } from './eventually';
import { TestDatabase } from './test-database';
import { testMetadata } from './test-metadata';

/** Runner options for tests: small batches, and retries and polls of a few milliseconds. */
export const fastRunnerOptions = {
  ...DEFAULT_PROJECTION_RUNNER_OPTIONS,
  batchSize: 7,
  retryBaseMs: 5,
  retryMaxMs: 20,
  idlePollMs: 20,
};

/**
 * A projection that sums `amount` per stream and counts version gaps, with what the runner
 * and group tests check it by: `gaps` grows whenever an event does not follow the last one
 * applied for its stream, so a skipped or doubled event shows up, and its rows are compared
 * with a fresh replay of the whole log.
 */
export function totalsFixture(
  database: TestDatabase,
  store: PostgresEventStore,
  checkpoints: PostgresProjectionStore,
) {
  /**
   * `fault.failures` > 0: the next applies throw (and count it down). `eventTypes`: what it
   * reads, events of any of them counted alike (by `amount`), default `Counted`.
   */
  function projection(
    name: string,
    table: string,
    fault?: { failures: number },
    eventTypes: readonly string[] = ['Counted'],
  ): Projection {
    return {
      name,
      eventTypes,
      tables: [table],
      lifecycle: 'async',
      async apply(events: readonly RecordedEvent[], tx) {
        if (fault && fault.failures > 0) {
          fault.failures--;
          throw new Error('read database unavailable (injected)');
        }
        for (const event of events) {
          await tx.query(
            `INSERT INTO ${tx.table(table)} AS t (stream_id, total, events, last_version, gaps)
             VALUES ($1, $2, 1, $3, CASE WHEN $3 = 1 THEN 0 ELSE 1 END)
             ON CONFLICT (stream_id) DO UPDATE
                SET total = t.total + EXCLUDED.total, events = t.events + 1, last_version = EXCLUDED.last_version,
                    gaps = t.gaps + CASE WHEN EXCLUDED.last_version = t.last_version + 1 THEN 0 ELSE 1 END`,
            [event.streamId, Number(event.data.amount), event.streamVersion],
          );
        }
      },
    };
  }

  async function createTable(table: string): Promise<void> {
    await database.dataSource.query(
      `CREATE TABLE ${table} (stream_id text PRIMARY KEY, total bigint NOT NULL, events int NOT NULL,
                              last_version int NOT NULL, gaps int NOT NULL)`,
    );
  }

  async function rows(table: string): Promise<unknown[]> {
    return database.dataSource.query(
      `SELECT stream_id, total::text, events, last_version, gaps FROM ${table} ORDER BY stream_id`,
    );
  }

  /** The reference: a fresh projection replayed from position 0 into its own table. */
  async function fullReplay(): Promise<unknown[]> {
    const table = `replay_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await createTable(table);
    const runner = new ProjectionRunner(store, checkpoints, projection(table, table), undefined, {
      ...DEFAULT_PROJECTION_RUNNER_OPTIONS,
      batchSize: 1_000,
    });
    await eventually(async () => expect(await runner.catchUp()).toBe('caught-up'));
    return rows(table);
  }

  /** `perStream` events of amounts 1, 2, … to each stream, round-robin. */
  async function appendCounted(streams: string[], perStream: number): Promise<void> {
    for (let n = 1; n <= perStream; n++) {
      for (const stream of streams) {
        await store.appendToStream(stream, n - 1, [{ type: 'Counted', data: { amount: n } }], {
          metadata: testMetadata(),
        });
      }
    }
  }

  return { projection, createTable, rows, fullReplay, appendCounted };
}

export type TotalsFixture = ReturnType<typeof totalsFixture>;
