import { BackgroundLoop, GO_ON, NextTurn } from '../core/background-loop';
import { JsonValue } from '../core/json';
import { ProcessManager, StoredProcessCommand } from './process-manager';
import { ProcessManagerStore } from './process-manager-store.port';

/** How stored commands reach their handlers (the app sends them through its CommandBus). */
export interface ProcessCommandSender {
  /** Handles the command, using `command.id` as its command id; resolves once it is handled. */
  send(command: StoredProcessCommand): Promise<void>;
  /** The domain error code when `error` is a business refusal (final), null to retry. */
  rejectionCode(error: unknown): string | null;
}

export interface ProcessManagerWorkerOptions {
  /** Commands claimed per round, default 50. */
  readonly batchSize: number;
  /** A claimed command not settled within this is sent again, default 30 000 ms. */
  readonly leaseMs: number;
  /** First retry delay after a failure that is not a refusal, doubled per attempt. Default 200 ms. */
  readonly retryBaseMs: number;
  /** Largest retry delay, default 30 000 ms. */
  readonly retryMaxMs: number;
  /**
   * Failed sends (not refusals) before a command is parked for an operator, default 10. A lost
   * claim (the sender died mid-send) counts none.
   */
  readonly maxAttempts: number;
  /** Sleep between idle rounds (deadlines are checked each round), default 500 ms. */
  readonly idlePollMs: number;
}

export const DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS: ProcessManagerWorkerOptions = Object.freeze({
  batchSize: 50,
  leaseMs: 30_000,
  retryBaseMs: 200,
  retryMaxMs: 30_000,
  maxAttempts: 10,
  idlePollMs: 500,
});

/**
 * Sends the commands process managers stored, until each is handled: a success marks it done;
 * a domain refusal is handed to its manager (`onRejected`) in one transaction with marking it;
 * anything else is retried with exponential backoff, and after `maxAttempts` failed sends it is
 * parked: never sent again until an operator retries it (a fault that outlives every retry is a
 * fault for a human, not a reason to hammer a handler forever; its process waits meanwhile, its
 * deadlines still fire). Fires due deadlines each round. Commands carry deterministic ids, so
 * a resend after a crash is recognised by the command handler.
 * Safe to run in several instances (claims are leased, deadlines locked). Never throws upward.
 */
export class ProcessManagerWorker {
  private readonly loop = new BackgroundLoop(() => this.turn());
  private readonly managers: ReadonlyMap<string, ProcessManager<JsonValue>>;

  constructor(
    private readonly store: ProcessManagerStore,
    managers: readonly ProcessManager<JsonValue>[],
    private readonly sender: ProcessCommandSender,
    private readonly options: ProcessManagerWorkerOptions = DEFAULT_PROCESS_MANAGER_WORKER_OPTIONS,
    private readonly clock: () => Date = () => new Date(),
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.managers = new Map(managers.map((manager) => [manager.name, manager]));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Rounds until no command is due and no deadline fired (tests drive it directly). */
  async drain(): Promise<void> {
    while ((await this.round()) > 0);
  }

  /**
   * Fires due deadlines, then sends one batch of commands. A manager whose deadline fails is
   * reported and does not hold up the commands. @returns how much it did.
   */
  async round(): Promise<number> {
    let done = 0;
    for (const manager of this.managers.values()) {
      try {
        done += await this.store.fireDueDeadlines(manager, this.clock());
      } catch (error) {
        this.onError(error);
      }
    }
    const commands = await this.store.claimCommands(
      [...this.managers.keys()],
      this.options.batchSize,
      this.options.leaseMs,
    );
    await Promise.all(commands.map((command) => this.dispatch(command)));
    return done + commands.length;
  }

  private async dispatch(command: StoredProcessCommand): Promise<void> {
    try {
      await this.sender.send(command);
      await this.store.markDone(command.id);
    } catch (error) {
      const code = this.sender.rejectionCode(error);
      const manager = this.managers.get(command.manager);
      if (code !== null && manager) {
        await this.store.rejectCommand(manager, command, code, this.clock());
      } else if (command.attempts + 1 >= this.options.maxAttempts) {
        await this.store.parkCommand(command, describe(error));
      } else {
        const delay = Math.min(
          this.options.retryMaxMs,
          this.options.retryBaseMs * 2 ** command.attempts,
        );
        await this.store.retryLater(command, describe(error), delay);
      }
    }
  }

  private async turn(): Promise<NextTurn> {
    let done = 0;
    try {
      done = await this.round();
    } catch (error) {
      this.onError(error);
    }
    return done > 0 ? GO_ON : { after: 'idle', ms: this.options.idlePollMs };
  }
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
