import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS,
  ProcessManagerWorker,
} from '@ledgerline/event-sourcing';
import { DurableSagas } from '@ledgerline/event-sourcing/nest';
import { PostgresProcessManagers } from '@ledgerline/event-sourcing/postgres';
import { processCommandSender } from '../common/commands/process-command-sender';
import { CommitSignal } from '../database/commit-signal';
import { SagaOptions } from './saga-options';

/**
 * Sends the commands of the application's `@Saga()` streams and of the process managers in
 * SagaOptions (their projections store them: see ProjectionsService) at least once, and fires
 * those managers' deadlines, with the ids they were stored under, retrying
 * failures and parking a command after too many. Every instance may run it: sends are
 * claimed in the database.
 */
@Injectable()
export class SagasService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sagas');
  private worker?: ProcessManagerWorker;
  private unsubscribe?: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly commands: CommandBus,
    private readonly sagas: DurableSagas,
    private readonly commits: CommitSignal,
    private readonly options: SagaOptions,
  ) {}

  onApplicationBootstrap(): void {
    const managers = [...this.sagas.managers(), ...this.options.processManagers];
    if (!this.options.worker || managers.length === 0) return;
    this.worker = new ProcessManagerWorker(
      new PostgresProcessManagers(this.dataSource),
      managers,
      processCommandSender(this.commands, { classes: this.sagas.commandClasses() }),
      {
        ...DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS,
        leaseMs: this.options.commandLeaseMs,
        maxAttempts:
          this.options.commandMaxAttempts ?? DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS.maxAttempts,
      },
      () => new Date(),
      (error) => this.logger.warn(`worker round failed, retrying: ${String(error)}`),
    );
    // Commands are stored by the sagas' projections after a commit: wake on every commit.
    this.unsubscribe = this.commits.subscribe(() => this.worker?.wake());
    this.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.worker?.stop();
  }
}
