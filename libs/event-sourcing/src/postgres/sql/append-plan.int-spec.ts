import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { APPEND_SQL } from './append.sql';
import {
  describeOnServer,
  openSession,
  openTestDatabase,
  TestDatabase,
} from '../../../test/test-database';

let database: TestDatabase;
/** One session: a prepared statement's plan belongs to it. */
let session: Client;

beforeAll(async () => {
  database = await openTestDatabase('append_plan', 2);
  session = await openSession(database);
  // Only this test analyses the table, even on a server that runs autovacuum.
  await session.query('ALTER TABLE es_commands SET (autovacuum_enabled = off)');
});
afterAll(async () => {
  await session.end();
  await database.close();
});

/** An append of one new event by one new command, as the group commit sends it. */
const oneAppend = (): string =>
  JSON.stringify([
    {
      streamId: `plan-${randomUUID()}`,
      kind: 'no_stream',
      version: null,
      commandIds: [randomUUID()],
      snapshot: null,
      events: [
        {
          eventId: randomUUID(),
          type: 'Planned',
          schemaVersion: 1,
          data: {},
          metadata: { occurredAt: new Date().toISOString() },
        },
      ],
    },
  ]);

/** The plan nodes that read es_commands, of the generic plan a pooled session keeps. */
async function commandReads(): Promise<string[]> {
  // A utility statement takes no bind parameters: the append travels as a literal.
  const { rows } = await session.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN EXECUTE append_plan(${session.escapeLiteral(oneAppend())}, false)`,
  );
  return rows.map((row) => row['QUERY PLAN'].trim()).filter((line) => /es_commands/.test(line));
}

describeOnServer("the append's check of repeated command ids", () => {
  it('reads the primary key whatever the statistics of es_commands say', async () => {
    await session.query('SET plan_cache_mode = force_generic_plan');
    await session.query(`PREPARE append_plan(jsonb, boolean) AS ${APPEND_SQL}`);
    const planned: Record<string, string[]> = {};
    planned['never analysed, empty'] = await commandReads();

    await session.query(
      `INSERT INTO es_commands (command_id, stream_id, result)
       SELECT gen_random_uuid(), 's-' || i, '{}' FROM generate_series(1, 50) i`,
    );
    await session.query('ANALYZE es_commands');
    planned['analysed at 50 commands'] = await commandReads();

    // The size at which the former form read the whole table on every append.
    await session.query(
      `INSERT INTO es_commands (command_id, stream_id, result)
       SELECT gen_random_uuid(), 's-' || i, '{}' FROM generate_series(51, 8000) i`,
    );
    await session.query('ANALYZE es_commands');
    planned['analysed at 8 000 commands'] = await commandReads();

    for (const [when, reads] of Object.entries(planned)) {
      expect({ when, reads }).toEqual({
        when,
        reads: [expect.stringMatching(/^(-> {2})?Index Only Scan using es_commands_pkey/)],
      });
    }
  });
});
