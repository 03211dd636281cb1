import { Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MessagePublisher, OutboxMessage, PublishOutcome } from '@ledgerline/event-sourcing';
import { contextOfTraceparent, formatTraceparent } from './traceparent';
import { LedgerlineAttributes, ledgerlineTracer, MessagingAttributes } from './tracer';

/** Where messages go, as the spans describe it. */
export interface PublishDestination {
  /** `messaging.system`: `rabbitmq`; unset for the in-process bus (no such system). */
  readonly system?: string;
  /** The exchange, or a name for the in-process bus. */
  readonly destination: string;
}

/**
 * Publishes through `inner`, each message under a producer span whose parent is the
 * message's stored trace context (its causing event's), so a publish joins the trace of the
 * request that caused it however much later the relay gets to it. The message goes out with
 * the producer span's `traceparent`, so a consumer continues from the publish. Without an
 * SDK the spans are no-ops and the stored `traceparent` is passed on unchanged.
 */
export class TracedMessagePublisher implements MessagePublisher {
  constructor(
    private readonly inner: MessagePublisher & { close?(): Promise<void> },
    private readonly where: PublishDestination,
  ) {}

  isReady(): boolean {
    return this.inner.isReady();
  }

  async publish(messages: readonly OutboxMessage[]): Promise<PublishOutcome[]> {
    const spans = messages.map((message) => this.startSpan(message));
    const traced = messages.map((message, index): OutboxMessage => {
      const traceparent = formatTraceparent(spans[index].spanContext()) ?? message.traceparent;
      return traceparent === undefined ? message : { ...message, traceparent };
    });
    let outcomes: PublishOutcome[];
    try {
      outcomes = await this.inner.publish(traced);
    } catch (error) {
      for (const span of spans) endFailed(span, 'unavailable', describe(error));
      throw error;
    }
    spans.forEach((span, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) endFailed(span, 'unavailable', 'no outcome');
      else if (outcome.status === 'published') {
        span.setAttribute(LedgerlineAttributes.publishOutcome, 'published');
        span.end();
      } else endFailed(span, outcome.status, outcome.error);
    });
    return outcomes;
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }

  private startSpan(message: OutboxMessage): Span {
    return ledgerlineTracer.startSpan(
      `publish ${message.type}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          ...(this.where.system === undefined
            ? {}
            : { [MessagingAttributes.system]: this.where.system }),
          [MessagingAttributes.operationType]: 'send',
          [MessagingAttributes.operationName]: 'publish',
          [MessagingAttributes.destination]: this.where.destination,
          [MessagingAttributes.routingKey]: message.type,
          [MessagingAttributes.messageId]: message.messageId,
          [MessagingAttributes.conversationId]: message.correlationId,
          [LedgerlineAttributes.causationId]: message.causationId,
          [LedgerlineAttributes.streamId]: message.streamId,
          [LedgerlineAttributes.streamVersion]: message.streamVersion,
          [LedgerlineAttributes.outboxAttempts]: message.attempts,
        },
      },
      contextOfTraceparent(message.traceparent),
    );
  }
}

function endFailed(span: Span, outcome: 'rejected' | 'unavailable', error: string): void {
  span.setAttribute(LedgerlineAttributes.publishOutcome, outcome);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  span.end();
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
