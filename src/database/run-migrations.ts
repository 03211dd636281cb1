import { DataSource } from 'typeorm';
import { DatabaseSettings } from './database-settings';
import { typeOrmOptions } from './typeorm-options';

// Any fixed 64-bit key; it only has to differ from other advisory locks on the database.
const MIGRATION_LOCK_KEY = '7340216598011247';

/**
 * Runs pending migrations before the app opens its pool. TypeORM itself takes no lock, so
 * instances starting together against a fresh database would race to create the same
 * tables; a session advisory lock makes them take turns (the second finds nothing to do).
 * On the embedded database there is one instance and one session, where the lock is harmless.
 */
export async function runMigrations(settings: DatabaseSettings): Promise<void> {
  const dataSource = await new DataSource({
    ...typeOrmOptions({ ...settings, poolSize: 2 }),
  }).initialize();
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    // Waits as long as another instance migrates: lock_timeout is for requests, not this.
    await lock.query('SET lock_timeout = 0');
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}
