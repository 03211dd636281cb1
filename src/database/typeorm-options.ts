import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { eventStoreMigrations } from '@ledgerline/event-sourcing/postgres';
import { DATABASE_TIMEOUT_DEFAULTS, DatabaseSettings } from './database-settings';

/**
 * Every migration of the application: the library's, then each file named
 * `<timestamp>-<what>.migration.ts` anywhere under `src/` (compiled: `.js`), found by
 * TypeORM. A context adds a table by adding such a file to its own folder; no list names
 * them. TypeORM applies them in the order of the timestamps in their class names.
 */
export const allMigrations: DataSourceOptions['migrations'] = [
  ...eventStoreMigrations,
  join(__dirname, '..', '**', '*.migration.{ts,js}'),
];

/** The pool's and the query runners' own listeners report it; nothing more to do here. */
const ignoreSessionError = (): void => undefined;

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
      // A session the server ends (a failover, pg_terminate_backend) is emitted as 'error' on
      // its client. The pool listens while a client is idle and TypeORM while it runs a query
      // runner, but a client between the two, or held by other code, has no listener, and an
      // unheard 'error' ends the process. This one keeps it alive; the pool still drops the
      // dead session, and whoever holds the client sees its next query fail.
      onConnect: (client: EventEmitter) => {
        client.on('error', ignoreSessionError);
      },
    },
  };
}
