import type { CommandBus, ICommand } from '@nestjs/cqrs';
import { ProcessCommandSender } from '../sagas/process-manager-worker';
import { StoredProcessCommand } from '../sagas/process-manager';
import { CommandClass, restoreCommand, StoredCommandUpcaster } from '../sagas/process-command';

const COMMAND_ID = Symbol('ledgerline.processCommandId');

/**
 * The id a process command (a `@Saga()`'s or a process manager's) was stored under, for its
 * handler to record: the same on every resend (derived from what caused it), so a handler that
 * keeps the ids it has handled does the command once. Undefined for a command that was not
 * stored by a process manager.
 */
export function processCommandId(command: ICommand): string | undefined {
  const id: unknown = Reflect.get(command, COMMAND_ID);
  return typeof id === 'string' ? id : undefined;
}

export interface CommandBusSenderOptions {
  /** The classes of the commands it sends, by class name (their stored type). */
  readonly classes: ReadonlyMap<string, CommandClass>;
  /** The domain error code when `error` is a business refusal (final), null to retry. */
  readonly rejectionCode: (error: unknown) => string | null;
  /** Reads commands stored by an earlier version in another shape; asked before `classes`. */
  readonly upcast?: StoredCommandUpcaster;
  /**
   * Fills in what the application attaches to every command before it is sent (who sends it,
   * the stored id as its command id).
   */
  readonly prepare?: (command: ICommand, stored: StoredProcessCommand) => ICommand;
}

/**
 * Sends stored process commands (those `processCommand` stored: their class name and fields)
 * through the CommandBus: each is made again as an instance of its class with its stored
 * fields (restoreCommand), or read by `upcast` when an earlier version stored it in another
 * shape, and carries its stored id (processCommandId). A type no class or upcaster knows
 * throws, so the command is retried and then parked for an operator, never dropped.
 */
export class CommandBusSender implements ProcessCommandSender {
  readonly rejectionCode: (error: unknown) => string | null;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly options: CommandBusSenderOptions,
  ) {
    this.rejectionCode = options.rejectionCode;
  }

  async send(stored: StoredProcessCommand): Promise<void> {
    const command = (this.options.upcast?.(stored) ??
      restoreCommand(stored, this.options.classes)) as ICommand | undefined;
    if (!command) throw new Error(`no command class or upcaster knows ${stored.type}`);
    Object.defineProperty(command, COMMAND_ID, { value: stored.id });
    const prepared = this.options.prepare ? this.options.prepare(command, stored) : command;
    await this.commandBus.execute(prepared);
  }
}
