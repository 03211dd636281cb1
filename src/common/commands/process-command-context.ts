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
