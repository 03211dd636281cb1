import { Client } from 'pg';
import { allMigrations } from './typeorm-options';
import { runMigrations } from './run-migrations';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/support/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase('migrations');
});
afterAll(() => database.close());

describeOnServer('runMigrations', () => {
  it('lets instances that start together on a fresh schema migrate once, without errors', async () => {
    const schema = `${database.schema}_fresh`;
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const settings = { url: database.url, schema, poolSize: 2 };
      await Promise.all([
        runMigrations(settings),
        runMigrations(settings),
        runMigrations(settings),
      ]);
      const applied = await admin.query<{ name: string }>(
        `SELECT name FROM ${schema}.migrations ORDER BY id`,
      );
      // Each migration exactly once (TypeORM applies them in timestamp order).
      expect(applied.rows.map((row) => row.name).sort()).toEqual(
        allMigrations.map((migration) => migration.name).sort(),
      );
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
