import { SpanKind } from '@opentelemetry/api';
import { ProcessCommandSender, StoredProcessCommand } from '@ledgerline/event-sourcing';
import { contextOfTraceparent } from './traceparent';
import {
  LedgerlineAttributes,
  ledgerlineTracer,
  MessagingAttributes,
  recordFailure,
} from './tracer';

/**
 * Sends each process command under a span whose parent is the command's stored trace context
 * (that of the event that caused it), and active while the command runs: its events record
 * this span as their `traceparent`, so the next command of the process nests under it and the
 * whole transfer reads as one trace from its HTTP request down. A parent rather than a link:
 * every command has exactly one cause, and it is part of the work the request started.
 * A resend (after a failure or a lost claim) is another span under the same parent.
 * The span is named `command <label>`: by default the stored type; a process whose commands
 * share a class (the transfer's steps) names what each does.
 */
export class TracedProcessCommandSender implements ProcessCommandSender {
  constructor(
    private readonly inner: ProcessCommandSender,
    private readonly label: (command: StoredProcessCommand) => string = (command) => command.type,
  ) {}

  send(command: StoredProcessCommand): Promise<void> {
    return ledgerlineTracer.startActiveSpan(
      `command ${this.label(command)}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [LedgerlineAttributes.commandId]: command.id,
          [LedgerlineAttributes.commandType]: command.type,
          [LedgerlineAttributes.commandAttempt]: command.attempts + 1,
          [LedgerlineAttributes.processManager]: command.manager,
          [LedgerlineAttributes.processId]: command.processId,
          [LedgerlineAttributes.causationId]: command.causationId,
          [LedgerlineAttributes.correlationId]: command.correlationId,
          [MessagingAttributes.conversationId]: command.correlationId,
        },
      },
      contextOfTraceparent(command.traceparent),
      async (span) => {
        try {
          await this.inner.send(command);
          span.setAttribute(LedgerlineAttributes.commandOutcome, 'handled');
        } catch (error) {
          const code = this.inner.rejectionCode(error);
          if (code !== null) {
            // A refusal is an answer the process handles (it compensates), not a fault.
            span.setAttribute(LedgerlineAttributes.commandOutcome, 'rejected');
            span.setAttribute(LedgerlineAttributes.rejectionCode, code);
          } else {
            span.setAttribute(LedgerlineAttributes.commandOutcome, 'failed');
            recordFailure(span, error);
          }
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  rejectionCode(error: unknown): string | null {
    return this.inner.rejectionCode(error);
  }
}
