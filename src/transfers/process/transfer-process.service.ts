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
  ProcessCommand,
  ProcessManagerOperations,
  ProcessManagerWorker,
} from '@ledgerline/event-sourcing';
import { PostgresProcessManagers } from '@ledgerline/event-sourcing/postgres';
import { CommitSignal } from '../../database/commit-signal';
import { TRANSFER_OPTIONS, TransferOptions } from '../transfers.tokens';
import { processCommandSender } from '../../common/commands/process-command-sender';
import { TracedProcessCommandSender } from '../../observability/tracing/traced-process-command-sender';
import {
  TRANSFER_PROCESS_COMMAND_CLASSES,
  transferCommandLabel,
  upcastLegacyTransferCommand,
} from './transfer-process.commands';
import { TRANSFER_PROCESS, transferProcess } from './transfer.process';

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
      // Each stored command is sent as an instance of its class (or, stored by the version
      // before command objects, as the upcaster reads it), under a span of its own.
      new TracedProcessCommandSender(
        processCommandSender(commands, {
          classes: TRANSFER_PROCESS_COMMAND_CLASSES,
          upcast: upcastLegacyTransferCommand,
          logger: this.logger,
          label: transferCommandLabel,
        }),
        transferCommandLabel,
      ),
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
   * What a stored command does, for people: for the transfer process's, its class and step
   * (whichever version stored it, see transferCommandLabel); for another manager's, its type.
   */
  label(command: ProcessCommand & { readonly manager: string }): string {
    return command.manager === TRANSFER_PROCESS ? transferCommandLabel(command) : command.type;
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
