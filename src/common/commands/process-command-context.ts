import { StoredProcessCommand } from '@ledgerline/event-sourcing';
import { ALL_CUSTOMERS } from '../../auth/principal';
import { CommandContext } from './command-context';

/**
 * The context of a command a process manager (or a saga) sends: its stored id as the command
 * id, so a resend is recognised; the correlation and causation of what caused it; and the
 * bank's scope, since the person who started the process was checked at the start.
 */
export function processCommandContext(
  command: StoredProcessCommand,
  traceparent: string | undefined = command.traceparent,
): CommandContext {
  return {
    metadata: {
      commandId: command.id,
      // The request that started the process: its whole chain shares one correlation id.
      correlationId: command.correlationId,
      causationId: command.causationId,
      actor: `system:${command.manager}`,
      occurredAt: new Date().toISOString(),
      ...(traceparent === undefined ? {} : { traceparent }),
    },
    scope: ALL_CUSTOMERS,
  };
}

/**
 * The context a process manager or a `@Saga()` gives the commands it decides (the app's
 * commands carry one): a placeholder, stored with the command and replaced when it is sent
 * (withProcessContext) by the real one, processCommandContext: its command id is the id the
 * command was stored under (so a resend is recognised), its correlation and causation are
 * those of its cause.
 */
export const PROCESS_COMMAND_CONTEXT: CommandContext = Object.freeze({
  metadata: Object.freeze({
    commandId: 'assigned-when-sent',
    correlationId: 'assigned-when-sent',
    causationId: 'assigned-when-sent',
    actor: 'assigned-when-sent',
    occurredAt: new Date(0).toISOString(),
  }),
  scope: ALL_CUSTOMERS,
});
