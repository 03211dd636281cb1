import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PostgresInstanceLiveness } from '@ledgerline/event-sourcing';
import { DatabaseSettings } from './typeorm-options';

/**
 * This running process: its id (new on every start) and, on a server, the liveness lock
 * that lets other instances see at once that it died. The embedded database serves one
 * process only, so there anything claimed by another instance id is from a dead process.
 */
@Injectable()
export class AppInstance implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AppInstance');
  private readonly liveness: PostgresInstanceLiveness;

  constructor(private readonly database: DatabaseSettings) {
    this.liveness = new PostgresInstanceLiveness(
      {
        connectionString: database.url,
        application_name: `${database.applicationName ?? 'ledgerline'}-instance`,
        connectionTimeoutMillis: database.timeouts?.connectMs,
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

  async onModuleDestroy(): Promise<void> {
    await this.liveness.close();
  }
}
