import { DataSourceOptions } from 'typeorm';
import { eventStoreMigrations } from '@ledgerline/event-sourcing';
// Straight from the file: the accounts index pulls in modules that import this one.
import { AccountReadModels1732300000004 } from '../accounts/projections/1732300000004-account-read-models.migration';
import { IdempotencyKeys1732300000001 } from '../common/idempotency/1732300000001-idempotency-keys.migration';
import { Notifications1732300000006 } from '../notifications/1732300000006-notifications.migration';
import { CustomerReadModels1732300000007 } from '../customers/projections/1732300000007-customer-read-models.migration';
import { ProjectionRebuilds1732300000011 } from '../projections/1732300000011-projection-rebuilds.migration';
import { TransferReadModels1732300000009 } from '../transfers/projections/1732300000009-transfer-read-models.migration';

/** Every migration of the application, in order (library first). */
export const allMigrations = [
  ...eventStoreMigrations,
  IdempotencyKeys1732300000001,
  AccountReadModels1732300000004,
  Notifications1732300000006,
  CustomerReadModels1732300000007,
  TransferReadModels1732300000009,
  ProjectionRebuilds1732300000011,
];

export interface DatabaseSettings {
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
  /** The embedded PGlite: one session, so no leases or LISTEN across connections. */
  readonly embedded?: boolean;
}

/**
 * The one DataSource configuration (app, migration CLI, tests). Schema by migrations only,
 * never `synchronize`. Short statement and idle-in-transaction timeouts: a stuck transaction
 * holds back every gap-safe reader, so none may live long.
 */
export function typeOrmOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    synchronize: false,
    // Migrations run before start-up under a lock (run-migrations.ts), never implicitly.
    migrationsRun: false,
    migrations: allMigrations,
    entities: [],
    extra: {
      max: settings.poolSize,
      application_name: 'ledgerline',
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 15_000,
      options: `-c search_path=${settings.schema}`,
    },
  };
}
