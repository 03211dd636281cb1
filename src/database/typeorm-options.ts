import { DataSourceOptions } from 'typeorm';
import { eventStoreMigrations } from '@ledgerline/event-sourcing';
// Straight from the file: the accounts index pulls in modules that import this one.
import { AccountReadModels1732300000004 } from '../accounts/projections/1732300000004-account-read-models.migration';
import { IdempotencyKeys1732300000001 } from '../common/idempotency/1732300000001-idempotency-keys.migration';
import { IdempotencyOwner1732300000013 } from '../common/idempotency/1732300000013-idempotency-owner.migration';
import { Notifications1732300000006 } from '../notifications/1732300000006-notifications.migration';
import { CustomerReadModels1732300000007 } from '../customers/projections/1732300000007-customer-read-models.migration';
import { ProjectionRebuilds1732300000011 } from '../projections/1732300000011-projection-rebuilds.migration';
import { TransferReadModels1732300000009 } from '../transfers/projections/1732300000009-transfer-read-models.migration';
import { PersonalDataKeys1732300000018 } from '../personal-data/1732300000018-personal-data-keys.migration';
import { CustomerErasure1732300000019 } from '../customers/projections/1732300000019-customer-erasure.migration';
import { PersonalDataErasures1732300000020 } from '../personal-data/1732300000020-personal-data-erasures.migration';
import { ReservationsHashedMarker1732300000021 } from '../personal-data/1732300000021-reservations-hashed-marker.migration';

/** Every migration of the application, in order (library first). */
export const allMigrations = [
  ...eventStoreMigrations,
  IdempotencyKeys1732300000001,
  AccountReadModels1732300000004,
  Notifications1732300000006,
  CustomerReadModels1732300000007,
  TransferReadModels1732300000009,
  ProjectionRebuilds1732300000011,
  IdempotencyOwner1732300000013,
  PersonalDataKeys1732300000018,
  CustomerErasure1732300000019,
  PersonalDataErasures1732300000020,
  ReservationsHashedMarker1732300000021,
];

export interface DatabaseSettings {
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
  /** The embedded PGlite: one session, so no leases or LISTEN across connections. */
  readonly embedded?: boolean;
  /** Limits of every session; see DATABASE_TIMEOUT_DEFAULTS. */
  readonly timeouts?: Partial<DatabaseTimeouts>;
  /** `application_name` of the pool's sessions (dedicated sessions add a suffix). */
  readonly applicationName?: string;
}

/** How long the app lets the database keep it waiting, in milliseconds. */
export interface DatabaseTimeouts {
  /** One statement (`statement_timeout`) and an idle open transaction. */
  readonly statementMs: number;
  /** Waiting for a row, table or advisory lock (`lock_timeout`). */
  readonly lockMs: number;
  /** Getting a connection: from the full pool, or a new one from the server. */
  readonly connectMs: number;
}

export const DATABASE_TIMEOUT_DEFAULTS: DatabaseTimeouts = {
  statementMs: 15_000,
  lockMs: 5_000,
  connectMs: 5_000,
};

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
