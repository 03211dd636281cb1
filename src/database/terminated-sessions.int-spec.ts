import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from './typeorm-options';
import { eventually } from '../../test/support/eventually';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/support/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase('terminated_sessions');
});
afterAll(() => database.close());

describeOnServer('a pooled session the server terminates', () => {
  it('never takes the process down, even while checked out by code that listens for nothing', async () => {
    const applicationName = `ledgerline-terminated-${randomUUID().slice(0, 8)}`;
    const dataSource = await new DataSource(
      typeOrmOptions({ url: database.url, schema: database.schema, poolSize: 2, applicationName }),
    ).initialize();
    try {
      // A client taken straight from the pool: pg-pool drops its own error listener while a
      // client is out, and this holder adds none (as any code between pool and query may).
      const pool = (dataSource.driver as unknown as { master: Pool }).master;
      const client: PoolClient = await pool.connect();
      await client.query('SELECT 1');

      // A failover or an operator ends the session while the client sits idle: the server's
      // FATAL message arrives with no query in flight and is emitted as 'error' on the client.
      // Unheard, that event would be an uncaught exception and end this process.
      await database.dataSource.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
        [applicationName],
      );
      await eventually(async () =>
        expect(
          await database.dataSource.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1`,
            [applicationName],
          ),
        ).toEqual([]),
      );
      await sleep(100); // the FATAL message and the socket's end have been read
      client.release(true);

      // The pool opens a fresh session for the next query.
      expect(await dataSource.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
