/**
 * The raw `pg` baseline of the hot-stream benchmark (anchors §1, "contention: 16 writers, one
 * stream, conflicts keep the client"): each writer holds its own connection for the whole
 * run and appends with BEGIN; SELECT max(version); INSERT version+1; COMMIT, retrying at once
 * on a unique violation. A checked-out client, not pool.query(): pg-pool destroys a
 * connection released with an error, so every conflict would fork a new backend.
 */
import { randomUUID } from 'node:crypto';
import { Client, DatabaseError } from 'pg';
import { depositData, depositMetadata } from '../support/event-payload';
import { ConflictCounter, retryOnConflict } from './conflict-retry';
import { StreamShape } from './stream-check';

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof DatabaseError && error.code === '23505';

export interface RawHotStream {
  /** One append of one event to `streamId` by writer `worker`, retried until it commits. */
  append(worker: number, streamId: string, amount: number, counter: ConflictCounter): Promise<void>;
  shape(streamId: string): Promise<StreamShape>;
  close(): Promise<void>;
}

/** A table of the anchors' shape in `schema`, and `writers` connected clients. */
export async function openRawHotStream(
  url: string,
  schema: string,
  writers: number,
): Promise<RawHotStream> {
  const table = `${schema}.bench_raw_events`;
  const clients: Client[] = [];
  const close = async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  };
  try {
    for (let i = 0; i < writers; i++) {
      const client = new Client({ connectionString: url, application_name: 'bench-raw' });
      clients.push(client);
      await client.connect();
    }
    await clients[0].query(`
      CREATE TABLE ${table} (
        global_position bigserial PRIMARY KEY,
        event_id        uuid        NOT NULL UNIQUE,
        stream_id       text        NOT NULL,
        stream_version  integer     NOT NULL,
        type            text        NOT NULL,
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, stream_version)
      )`);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async append(worker, streamId, amount, counter) {
      const client = clients[worker];
      await retryOnConflict(counter, isUniqueViolation, async () => {
        await client.query('BEGIN');
        try {
          const { rows } = await client.query<{ version: number }>(
            `SELECT COALESCE(max(stream_version), 0) AS version FROM ${table} WHERE stream_id = $1`,
            [streamId],
          );
          await client.query(
            `INSERT INTO ${table} (event_id, stream_id, stream_version, type, data, metadata)
             VALUES ($1, $2, $3, 'MoneyDeposited', $4, $5)`,
            [
              randomUUID(),
              streamId,
              rows[0].version + 1,
              JSON.stringify(depositData(streamId, amount)),
              JSON.stringify(depositMetadata()),
            ],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      });
    },
    async shape(streamId) {
      const { rows } = await clients[0].query<StreamShape>(
        `SELECT count(*)::int AS "events", COALESCE(min(stream_version), 0) AS "minVersion",
                COALESCE(max(stream_version), 0) AS "maxVersion",
                count(DISTINCT stream_version)::int AS "distinctVersions"
           FROM ${table} WHERE stream_id = $1`,
        [streamId],
      );
      return rows[0];
    },
    close,
  };
}
