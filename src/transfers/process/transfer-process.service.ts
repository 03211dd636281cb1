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
  ProcessManagerOperations,
  ProcessManagerWorker,
} from '@ledgerline/event-sourcing';
import { PostgresProcessManagers } from '@ledgerline/event-sourcing/postgres';
import { CommitSignal } from '../../database/commit-signal';
import { TRANSFER_OPTIONS, TransferOptions } from '../transfers.tokens';
import { TracedProcessCommandSender } from '../../observability/tracing/traced-process-command-sender';
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
  private readonly store: PostgresProcessManagers;
  private unsubscribe?: () => void;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    commands: CommandBus,
    @Inject(TRANSFER_OPTIONS) private readonly options: TransferOptions,
    private readonly commits: CommitSignal,
  ) {
    this.store = new PostgresProcessManagers(dataSource);
    this.worker = new ProcessManagerWorker(
      this.store,
      [transferProcess(options)],
      new TracedProcessCommandSender(new TransferCommandSender(commands)),
      {
        ...DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS,
        leaseMs: options.commandLeaseMs,
        maxAttempts:
          options.commandMaxAttempts ?? DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS.maxAttempts,
      },
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

  /** Operators' view of the commands and deadlines (the admin routes). */
  get operations(): ProcessManagerOperations {
    return this.store;
  }

  /**
   * Makes a parked command pending again with its attempts reset; this instance's worker is
   * woken to send it at once (the others find it on their next round).
   * @returns false when no parked command has this id
   */
  async retryParked(commandId: string): Promise<boolean> {
    const retried = await this.store.retryParkedCommand(commandId);
    if (retried) this.worker.wake();
    return retried;
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.worker.stop();
  }
}
