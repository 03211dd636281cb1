import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { eventStoreMigrations } from '@ledgerline/event-sourcing/postgres';
import { typeOrmOptions } from './typeorm-options';
import { runMigrations } from './run-migrations';
import { describeOnServer, openTestDatabase, TestDatabase } from '../../test/support/test-database';

/** The application's migration files: every `<timestamp>-<what>.migration.ts` under `src`. */
const migrationFiles = (): string[] =>
  readdirSync(join(__dirname, '..'), { recursive: true, encoding: 'utf8' }).filter((file) =>
    /(^|\/)\d+-[\w-]+\.migration\.ts$/.test(file),
  );

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
      // Each migration exactly once (TypeORM applies them in timestamp order): the library's
      // and one per `*.migration.ts` file of the application, wherever its context keeps it.
      const dataSource = await new DataSource(typeOrmOptions(settings)).initialize();
      const known = dataSource.migrations.map(
        (migration) => migration.name ?? migration.constructor.name,
      );
      await dataSource.destroy();
      expect(known).toHaveLength(eventStoreMigrations.length + migrationFiles().length);
      expect(applied.rows.map((row) => row.name).sort()).toEqual(known.sort());
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
