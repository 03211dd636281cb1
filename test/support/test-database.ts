import { runMigrations } from '../../src/database/run-migrations';
import { typeOrmOptions } from '../../src/database/typeorm-options';
// The library's test support sets up the isolated schema or embedded database; the app's
// tests add every context's migrations.
import { openIsolatedDatabase, TestDatabase } from '../../libs/event-sourcing/test/test-database';

export {
  describeOnServer,
  onEmbeddedDatabase,
  openSession,
  sendTableCounts,
  startEmbeddedDatabaseProcess,
  testDatabaseUrl,
} from '../../libs/event-sourcing/test/test-database';
export type { TestDatabase } from '../../libs/event-sourcing/test/test-database';

/** A migrated, isolated database for one test file: every migration of the application. */
export const openTestDatabase = (label: string, poolSize = 10): Promise<TestDatabase> =>
  openIsolatedDatabase(label, { poolSize, options: typeOrmOptions, migrate: runMigrations });
