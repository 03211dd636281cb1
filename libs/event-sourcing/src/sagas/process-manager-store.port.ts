import { JsonValue } from '../core/json';
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
