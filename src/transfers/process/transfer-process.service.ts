import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS,
  PostgresProcessManagers,
  ProcessManagerWorker,
} from '@ledgerline/event-sourcing';
import { CommitSignal } from '../../database/commit-signal';
import { TRANSFER_OPTIONS, TransferOptions } from '../transfers.tokens';
import { TransferCommandSender } from './transfer-command.sender';
import { transferProcess } from './transfer.process';

/**
 * Runs the transfer process's worker in this instance: sends the commands the process stored
 * (the process itself runs as a projection, see TransfersModule) and fires its deadlines.
 * Every instance may run one: claims and deadlines are locked in the database.
 */
@Injectable()
export class TransferProcessService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TransferProcess');
  private readonly worker: ProcessManagerWorker;
  private unsubscribe?: () => void;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    commands: CommandBus,
    @Inject(TRANSFER_OPTIONS) private readonly options: TransferOptions,
    private readonly commits: CommitSignal,
  ) {
    this.worker = new ProcessManagerWorker(
      new PostgresProcessManagers(dataSource),
      [transferProcess(options)],
      new TransferCommandSender(commands),
      { ...DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS, leaseMs: options.commandLeaseMs },
      () => new Date(),
      (error) => this.logger.warn(`worker round failed, retrying: ${String(error)}`),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.options.worker) return;
    // New commands are stored by the projection after a commit: wake on every commit.
    this.unsubscribe = this.commits.subscribe(() => this.worker.wake());
    this.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.worker.stop();
  }
}
