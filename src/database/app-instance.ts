import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PostgresInstanceLiveness } from '@ledgerline/event-sourcing/postgres';
import { DATABASE_TIMEOUT_DEFAULTS, DatabaseSettings } from './database-settings';

/**
 * This running process: its id (new on every start) and, on a server, the liveness lock
 * that lets other instances see at once that it died. The embedded database serves one
 * process only, so there anything claimed by another instance id is from a dead process.
 */
@Injectable()
export class AppInstance implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AppInstance');
  private readonly liveness: PostgresInstanceLiveness;

  constructor(private readonly database: DatabaseSettings) {
    this.liveness = new PostgresInstanceLiveness(
      {
        connectionString: database.url,
        application_name: `${database.applicationName ?? 'ledgerline'}-instance`,
        connectionTimeoutMillis:
          database.timeouts?.connectMs ?? DATABASE_TIMEOUT_DEFAULTS.connectMs,
      },
      (error) => this.logger.warn(`liveness session lost, taking it again: ${String(error)}`),
    );
  }

  get id(): string {
    return this.liveness.instanceId;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.database.embedded) await this.liveness.start();
  }

  /**
   * After HTTP has closed (Nest runs shutdown hooks last): until then requests may still run
   * here, and dropping the lock earlier would tell other instances they died.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.liveness.close();
  }
}
