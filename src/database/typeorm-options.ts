import { DataSourceOptions } from 'typeorm';
import { eventStoreMigrations } from '@ledgerline/event-sourcing/postgres';
import { accountMigrations } from '../accounts';
import { IdempotencyKeys1732300000001 } from '../common/idempotency/1732300000001-idempotency-keys.migration';
import { IdempotencyOwner1732300000013 } from '../common/idempotency/1732300000013-idempotency-owner.migration';
import { IdempotencyExactReplay1732300000034 } from '../common/idempotency/1732300000034-idempotency-exact-replay.migration';
import { complianceMigrations } from '../compliance';
import { customerMigrations } from '../customers';
import { notificationMigrations } from '../notifications';
import { PersonalDataKeys1732300000018 } from '../personal-data/1732300000018-personal-data-keys.migration';
import { PersonalDataErasures1732300000020 } from '../personal-data/1732300000020-personal-data-erasures.migration';
import { ReservationsHashedMarker1732300000021 } from '../personal-data/1732300000021-reservations-hashed-marker.migration';
import { transferMigrations } from '../transfers';
import { DATABASE_TIMEOUT_DEFAULTS, DatabaseSettings } from './database-settings';

/**
 * Every migration of the application, the library's first; each context lists its own. TypeORM
 * applies them in the order of the timestamps in their names, whatever their order here.
 */
export const allMigrations = [
  ...eventStoreMigrations,
  IdempotencyKeys1732300000001,
  IdempotencyOwner1732300000013,
  IdempotencyExactReplay1732300000034,
  PersonalDataKeys1732300000018,
  PersonalDataErasures1732300000020,
  ReservationsHashedMarker1732300000021,
  ...accountMigrations,
  ...customerMigrations,
  ...transferMigrations,
  ...notificationMigrations,
  ...complianceMigrations,
];

/**
 * The one DataSource configuration (app, migration CLI, tests). Schema by migrations only,
 * never `synchronize`. Short statement and idle-in-transaction timeouts: a stuck transaction
 * holds back every gap-safe reader, so none may live long. A lock wait and a wait for a
 * connection are bounded too, so a held lock or a slow query answers 503 instead of piling
 * requests up until the pool is exhausted for everyone.
 */
export function typeOrmOptions(settings: DatabaseSettings): DataSourceOptions {
  const timeouts = { ...DATABASE_TIMEOUT_DEFAULTS, ...settings.timeouts };
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
      application_name: settings.applicationName ?? 'ledgerline',
      statement_timeout: timeouts.statementMs,
      idle_in_transaction_session_timeout: timeouts.statementMs,
      // pg-pool: how long to wait for a free connection or a new one (then an error, a 503).
      connectionTimeoutMillis: timeouts.connectMs,
      // A server that vanished without closing the socket is noticed instead of awaited.
      keepAlive: true,
      options: `-c search_path=${settings.schema} -c lock_timeout=${timeouts.lockMs}`,
    },
  };
}
