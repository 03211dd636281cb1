import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runMigrations } from '../../src/database/run-migrations';
import { typeOrmOptions } from '../../src/database/typeorm-options';

export const BENCH_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, migrated schema for one benchmark run, dropped afterwards. */
export async function openBenchSchema(
  label: string,
): Promise<{ dataSource: DataSource; schema: string; drop(): Promise<void> }> {
  const schema = `bench_${label}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: BENCH_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await runMigrations({ url: BENCH_URL, schema, poolSize: 4 });
  const dataSource = await new DataSource(
    typeOrmOptions({ url: BENCH_URL, schema, poolSize: 4 }),
  ).initialize();
  return {
    dataSource,
    schema,
    async drop() {
      await dataSource.destroy();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
