import { Logger } from '@nestjs/common';
import { OutboxMessage, PublishOutcome } from '@ledgerline/event-sourcing';

/**
 * One line per message the relay sent, carrying the correlation id of the request that caused
 * it: a publish at debug (there is one per event), a rejection at warn. The body and the stream
 * id stay out: a stream id can name personal data (`customer-document-<number>`).
 */
export function logPublishOutcome(
  logger: Logger,
  message: OutboxMessage,
  outcome: PublishOutcome,
): void {
  const fields = {
    messageId: message.messageId,
    type: message.type,
    correlationId: message.correlationId,
    causationId: message.causationId,
  };
  if (outcome.status === 'published') {
    logger.debug({ msg: `published ${message.type}`, ...fields });
  } else if (outcome.status === 'rejected') {
    logger.warn({
      msg: `${message.type} rejected (attempt ${message.attempts + 1}): ${outcome.error}`,
      ...fields,
    });
  } else {
    logger.debug({ msg: `${message.type} not published, transport unavailable`, ...fields });
  }
}
