import { IntegrationEvent, RecordedEvent } from '@ledgerline/event-sourcing';
import {
  GiftCardEvent,
  GiftCardEventType,
  GIFT_CARD_EVENT_TYPES,
} from '../domain/gift-card.events';

/**
 * The gift cards context's public events, published from the outbox: a contract of their own,
 * versioned apart from the domain events, with only what outsiders may see.
 */
export const GiftCardIntegrationEventType = {
  created: 'gift-cards.gift-card-created',
} as const;

const asGiftCardEvent = (event: RecordedEvent): GiftCardEvent | undefined =>
  (GIFT_CARD_EVENT_TYPES as readonly string[]).includes(event.type)
    ? ({ type: event.type, data: event.data } as GiftCardEvent)
    : undefined;

/** Domain event -> public integration events. Pure: it runs inside the append transaction. */
export function giftCardIntegrationEvents(recorded: RecordedEvent): IntegrationEvent[] {
  const event = asGiftCardEvent(recorded);
  if (!event) return [];
  switch (event.type) {
    case GiftCardEventType.created:
      return [
        {
          type: GiftCardIntegrationEventType.created,
          schemaVersion: 1,
          data: {
            giftCardId: event.data.giftCardId,
            title: event.data.title,
            createdAt: recorded.metadata.occurredAt,
          },
        },
      ];
    default: {
      const unknownEvent: never = event.type;
      return unknownEvent;
    }
  }
}
