import { Logger } from '@nestjs/common';
import type { CommandBus, ICommand } from '@nestjs/cqrs';
import {
  CommandClass,
  StoredCommandUpcaster,
  StoredProcessCommand,
} from '@ledgerline/event-sourcing';
import { CommandBusSender } from '@ledgerline/event-sourcing/nest';
import { activeTraceparent } from '../../observability/tracing/traceparent';
import { DomainError } from '../../shared-kernel/domain-error';
import { processCommandContext } from './process-command-context';

const carriesContext = (command: ICommand): command is ICommand & { context: unknown } =>
  'context' in command;

/**
 * Gives a stored command about to be sent its real context in place of
 * PROCESS_COMMAND_CONTEXT. Its trace context is that of the span it is sent under when tracing
 * is on (TracedProcessCommandSender), else its cause's, passed on so a later traced step still
 * finds the trace.
 */
export function withProcessContext(command: ICommand, stored: StoredProcessCommand): ICommand {
  if (!carriesContext(command)) return command;
  const traceparent = activeTraceparent() ?? stored.traceparent;
  return Object.assign(command, { context: processCommandContext(stored, traceparent) });
}

/**
 * How the application sends what a process manager or a `@Saga()` stored: through the
 * CommandBus as an instance of its class (or as `upcast` reads a command an earlier version
 * stored), with its real context (withProcessContext); a DomainError is a refusal, its code
 * handed back to the process, anything else a failure to retry.
 */
export function processCommandSender(
  commandBus: CommandBus,
  options: {
    readonly classes: ReadonlyMap<string, CommandClass>;
    readonly upcast?: StoredCommandUpcaster;
    /** Logs each send at debug level, under `label` (default: the stored type). */
    readonly logger?: Logger;
    readonly label?: (command: StoredProcessCommand) => string;
  },
): CommandBusSender {
  const { logger, label = (command: StoredProcessCommand) => command.type } = options;
  return new CommandBusSender(commandBus, {
    classes: options.classes,
    upcast: options.upcast,
    rejectionCode: (error) => (error instanceof DomainError ? error.code : null),
    prepare: (command, stored) => {
      logger?.debug({
        msg: `sending ${label(stored)}`,
        commandId: stored.id,
        processId: stored.processId,
        attempt: stored.attempts + 1,
        correlationId: stored.correlationId,
      });
      return withProcessContext(command, stored);
    },
  });
}
