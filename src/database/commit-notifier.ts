import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommitNotifier, PostgresCommitNotifier } from '@ledgerline/event-sourcing/postgres';
import { DATABASE_TIMEOUT_DEFAULTS, DatabaseSettings } from './database-settings';

/**
 * Wakes other instances after each commit from a session of its own, not from the pool: the
 * NOTIFY then never waits for, nor holds, a connection an append or a read could use. The
 * session is opened on the first commit and ended with the application.
 */
@Injectable()
export class AppCommitNotifier implements CommitNotifier, OnApplicationShutdown {
  private readonly notifier: PostgresCommitNotifier;

  constructor(
    dataSource: DataSource,
    database: DatabaseSettings,
    onError: (error: unknown) => void,
  ) {
    const timeouts = { ...DATABASE_TIMEOUT_DEFAULTS, ...database.timeouts };
    this.notifier = new PostgresCommitNotifier(dataSource, onError, {
      connectionString: database.url,
      application_name: `${database.applicationName ?? 'ledgerline'}-notifier`,
      connectionTimeoutMillis: timeouts.connectMs,
      keepAlive: true,
      // A NOTIFY that hangs would hold back every later one: bounded like the pool's statements.
      query_timeout: timeouts.statementMs,
      // The payload names the schema committed in, as the pool's sessions see it.
      options: `-c search_path=${database.schema} -c statement_timeout=${timeouts.statementMs}`,
    });
  }

  notifyCommitted(): void {
    this.notifier.notifyCommitted();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.notifier.close();
  }
}
