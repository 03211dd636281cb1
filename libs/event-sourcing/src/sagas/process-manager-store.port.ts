import { JsonObject, JsonValue } from '../core/json';
import { ProcessManager, StoredProcessCommand } from './process-manager';

/** What the process-manager worker needs of the database (PostgresProcessManagers). */
export interface ProcessManagerStore {
  /** Claims pending, due commands of the named managers only. */
  claimCommands(
    managers: readonly string[],
    limit: number,
    leaseMs: number,
  ): Promise<StoredProcessCommand[]>;
  markDone(commandId: string): Promise<void>;
  /** Due again after `delayMs`, if `command`'s claim is still the current one. */
  retryLater(command: StoredProcessCommand, error: string, delayMs: number): Promise<void>;
  /**
   * Its last allowed attempt failed with `error`: parked (never claimed again) until an
   * operator retries it, if `command`'s claim is still the current one.
   */
  parkCommand(command: StoredProcessCommand, error: string): Promise<void>;
  rejectCommand<State extends JsonValue>(
    manager: ProcessManager<State>,
    command: StoredProcessCommand,
    code: string,
    now: Date,
  ): Promise<boolean>;
  fireDueDeadlines<State extends JsonValue>(
    manager: ProcessManager<State>,
    now: Date,
    limit?: number,
  ): Promise<number>;
}

/** A command not settled yet: waiting to be sent (again), or parked for an operator. */
export type UnsettledCommandStatus = 'pending' | 'parked';

/** One command as operators see it. */
export interface ProcessCommandView {
  readonly id: string;
  readonly manager: string;
  readonly processId: string;
  readonly causationId: string;
  readonly correlationId: string;
  readonly type: string;
  /** Its fields as stored (in the shape of the version that stored it). */
  readonly data: JsonObject;
  readonly status: UnsettledCommandStatus;
  /** Failed sends since it was stored or last retried by an operator. */
  readonly attempts: number;
  /** The last failed send's error, kept after a retry until another failure replaces it. */
  readonly lastError: string | null;
  readonly createdAt: Date;
  /** Its last failure, park or operator retry (its creation when none happened). */
  readonly updatedAt: Date;
  /** When a pending command is due to be sent (again). */
  readonly availableAt: Date;
}

/** A deadline that has not fired (nor been cancelled). */
export interface ProcessDeadlineView {
  readonly manager: string;
  readonly processId: string;
  readonly key: string;
  readonly dueAt: Date;
  /** Its time has come (by the database's clock): it fires on a worker's next round. */
  readonly due: boolean;
}

/** What operators need of the database: commands that did not go through, and deadlines. */
export interface ProcessManagerOperations {
  /** Up to `limit` commands in `statuses`, oldest first. */
  listCommands(
    statuses: readonly UnsettledCommandStatus[],
    limit: number,
  ): Promise<ProcessCommandView[]>;
  countCommands(): Promise<Record<UnsettledCommandStatus, number>>;
  /**
   * Makes a parked command pending and due at once, with its attempts reset.
   * @returns false when no parked command has this id
   */
  retryParkedCommand(commandId: string): Promise<boolean>;
  /** Up to `limit` deadlines that have not fired, earliest first; `dueOnly`: those due now. */
  listDeadlines(dueOnly: boolean, limit: number): Promise<ProcessDeadlineView[]>;
}
