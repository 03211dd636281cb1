import type { ICommand } from '@nestjs/cqrs';
import { StoredProcessCommand } from '@ledgerline/event-sourcing';
import { ALL_CUSTOMERS } from '../auth/principal';
import { CommandContext } from '../common/commands/command-context';
import { processCommandContext } from '../common/commands/process-command-context';

/**
 * The context a `@Saga()` gives the commands it emits (the app's commands carry one): a
 * placeholder, replaced when the command is sent by the real one, whose command id is the id
 * the command was stored under (so a resend is recognised), and whose correlation and
 * causation are the event's that caused it.
 */
export const SAGA_COMMAND_CONTEXT: CommandContext = Object.freeze({
  metadata: Object.freeze({
    commandId: 'assigned-when-sent',
    correlationId: 'assigned-when-sent',
    causationId: 'assigned-when-sent',
    actor: 'assigned-when-sent',
    occurredAt: new Date(0).toISOString(),
  }),
  scope: ALL_CUSTOMERS,
});

const carriesContext = (command: ICommand): command is ICommand & { context: unknown } =>
  'context' in command;

/** Gives a command about to be sent for a saga its real context (see SAGA_COMMAND_CONTEXT). */
export function withSagaContext(command: ICommand, stored: StoredProcessCommand): ICommand {
  if (!carriesContext(command)) return command;
  return Object.assign(command, { context: processCommandContext(stored) });
}
