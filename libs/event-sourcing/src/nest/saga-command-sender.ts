import { Type } from '@nestjs/common';
import type { CommandBus, ICommand } from '@nestjs/cqrs';
import { ProcessCommandSender } from '../sagas/process-manager-worker';
import { StoredProcessCommand } from '../sagas/process-manager';

const COMMAND_ID = Symbol('ledgerline.sagaCommandId');

/**
 * The id a `@Saga()` command was stored under, for its handler to record: the same on every
 * resend (derived from the event that caused it), so a handler that keeps the ids it has
 * handled does the command once. Undefined for a command that did not come from a saga.
 */
export function sagaCommandId(command: ICommand): string | undefined {
  const id: unknown = Reflect.get(command, COMMAND_ID);
  return typeof id === 'string' ? id : undefined;
}

/**
 * Sends the commands `@Saga()` streams decided (stored by DurableSagas' process managers)
 * through the CommandBus: each is made again as an instance of its class with its stored
 * fields, and carries its stored id (sagaCommandId). `prepare` lets the application fill in
 * what it attaches to every command (who sends it, the id as its command id).
 */
export class SagaCommandSender implements ProcessCommandSender {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly classes: ReadonlyMap<string, Type<unknown>>,
    readonly rejectionCode: (error: unknown) => string | null,
    private readonly prepare: (command: ICommand, stored: StoredProcessCommand) => ICommand = (
      command,
    ) => command,
  ) {}

  async send(stored: StoredProcessCommand): Promise<void> {
    const CommandClass = this.classes.get(stored.type);
    if (!CommandClass) throw new Error(`no @CommandHandler handles ${stored.type} any more`);
    const prototype: unknown = CommandClass.prototype;
    if (typeof prototype !== 'object' || prototype === null)
      throw new Error(`${stored.type} has no prototype to make a command of`);
    const command: ICommand = Object.assign(Object.create(prototype) as object, stored.data);
    Object.defineProperty(command, COMMAND_ID, { value: stored.id });
    await this.commandBus.execute(this.prepare(command, stored));
  }
}
