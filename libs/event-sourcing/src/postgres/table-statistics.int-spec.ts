import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { analyzeStaleTables, serverAnalyzesTables, STALE_TABLES_SQL } from './table-statistics';
import { eventually } from '../../test/eventually';
import {
  describeOnServer,
  openSession,
  openTestDatabase,
  sendTableCounts,
  TestDatabase,
} from '../../test/test-database';

let database: TestDatabase;
/** The session that writes the rows (and, below, prepares the statement). */
let session: Client;

beforeAll(async () => {
  database = await openTestDatabase('table_statistics', 2);
  session = await openSession(database);
});
afterAll(async () => {
  await session.end();
  await database.close();
});

/**
 * Waits until the session's changes show in pg_stat_user_tables; from PostgreSQL 15 on, they
 * are sent when the session goes idle instead of within seconds.
 */
async function publishCounts(table: string, atLeast: number): Promise<void> {
  await sendTableCounts(session);
  await eventually(async () => {
    const [row] = await database.dataSource.query<{ changed: string }[]>(
      `SELECT n_mod_since_analyze AS changed FROM pg_stat_user_tables
        WHERE schemaname = current_schema() AND relname = $1`,
      [table],
    );
    expect(Number(row.changed)).toBeGreaterThanOrEqual(atLeast);
  });
}

const NO_AUTOVACUUM = 'WITH (autovacuum_enabled = off)';

const insertRows = (table: string, from: number, to: number) =>
  session.query(`INSERT INTO ${table} SELECT i, i FROM generate_series($1::int, $2::int) i`, [
    from,
    to,
  ]);

/** One round; fails the test if any table's ANALYZE failed. */
const analysed = async (): Promise<string[]> => {
  const round = await analyzeStaleTables(database.dataSource);
  expect(round.failed).toEqual([]);
  return round.analysed;
};

const analysedAt = async (table: string): Promise<Date | null> => {
  const [row] = await database.dataSource.query<{ at: Date | null }[]>(
    `SELECT last_analyze AS at FROM pg_stat_user_tables
      WHERE schemaname = current_schema() AND relname = $1`,
    [table],
  );
  return row.at;
};

describeOnServer('analyzeStaleTables', () => {
  it("analyses the schema's tables changed beyond autoanalyze's threshold, and no other", async () => {
    // autovacuum_enabled off: on a server that runs autovacuum, it must not analyse them first.
    await session.query(`CREATE TABLE busy (id int PRIMARY KEY, k int) ${NO_AUTOVACUUM}`);
    await session.query(`CREATE TABLE quiet (id int PRIMARY KEY, k int) ${NO_AUTOVACUUM}`);
    await insertRows('busy', 1, 1_000);
    await insertRows('quiet', 1, 10);
    await publishCounts('busy', 1_000);
    await publishCounts('quiet', 10);

    // The library's own tables, migrated empty, have nothing to analyse either.
    expect(await analysed()).toEqual([`${database.schema}.busy`]);
    expect(await analysedAt('busy')).not.toBeNull();
    expect(await analysedAt('quiet')).toBeNull();
    expect(await analysed()).toEqual([]);

    // Stale again only past 50 + 10 % of the 1 000 rows it was analysed with.
    await insertRows('busy', 1_001, 1_140);
    await publishCounts('busy', 140);
    expect(await analysed()).toEqual([]);
    await insertRows('busy', 1_141, 1_160);
    await publishCounts('busy', 160);
    expect(await analysed()).toEqual([`${database.schema}.busy`]);
  });

  it('has a prepared statement planned on a small table planned again for the grown table', async () => {
    const plan = async () => {
      const { rows } = await session.query<{ 'QUERY PLAN': string }>('EXPLAIN EXECUTE find_k(42)');
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    };
    // The plan a pooled session keeps for a named statement (after its first five runs).
    await session.query('SET plan_cache_mode = force_generic_plan');
    /** A small table, analysed, a statement planned on it, then the table grown. */
    const planThenGrow = async (): Promise<string> => {
      await session.query('DEALLOCATE ALL');
      await session.query('DROP TABLE IF EXISTS grown');
      await session.query(
        `CREATE TABLE grown (id int PRIMARY KEY, k int NOT NULL) ${NO_AUTOVACUUM}`,
      );
      await session.query('CREATE INDEX grown_k_idx ON grown (k)');
      await insertRows('grown', 1, 5);
      await session.query('ANALYZE grown');
      await session.query('PREPARE find_k(int) AS SELECT id FROM grown WHERE k = $1');
      expect(await plan()).toContain('Seq Scan on grown');
      await insertRows('grown', 6, 100_000);
      await publishCounts('grown', 99_995);
      return plan();
    };
    // Nothing tells the cached plan that the table grew: it still reads all of it. Except that
    // PostgreSQL drops every cached plan of the database when any schema is created or dropped,
    // as other test files do all along: then the set-up is made again.
    let grownPlan = await planThenGrow();
    for (let attempt = 2; attempt <= 5 && !grownPlan.includes('Seq Scan on grown'); attempt++) {
      grownPlan = await planThenGrow();
    }
    expect(grownPlan).toContain('Seq Scan on grown');

    expect(await analysed()).toContain(`${database.schema}.grown`);
    expect(await plan()).not.toContain('Seq Scan');
    expect(await plan()).toContain('grown_k_idx');
  });

  it('goes on with the other tables when one cannot be analysed', async () => {
    for (const table of ['kept', 'dropped']) {
      await session.query(`CREATE TABLE ${table} (id int PRIMARY KEY, k int) ${NO_AUTOVACUUM}`);
      await insertRows(table, 1, 300);
      await publishCounts(table, 300);
    }
    // Listed as stale, then dropped before its ANALYZE, as a rebuild's shadow table can be.
    const dataSource = database.dataSource;
    const droppingAfterTheList = {
      query: async <T>(sql: string, parameters?: unknown[]): Promise<T> => {
        const result = await dataSource.query<T>(sql, parameters);
        if (sql === STALE_TABLES_SQL) await session.query('DROP TABLE dropped');
        return result;
      },
    } as unknown as DataSource;
    const round = await analyzeStaleTables(droppingAfterTheList);
    expect(round.failed.map((failure) => failure.table)).toEqual([`${database.schema}.dropped`]);
    expect(String(round.failed[0].error)).toContain('does not exist');
    expect(round.analysed).toContain(`${database.schema}.kept`);
    expect(await analysedAt('kept')).not.toBeNull();
  });

  it("reads whether the server's autovacuum analyses tables itself", async () => {
    const [{ setting }] = await database.dataSource.query<{ setting: string }[]>('SHOW autovacuum');
    expect(await serverAnalyzesTables(database.dataSource)).toBe(setting === 'on');
  });
});
