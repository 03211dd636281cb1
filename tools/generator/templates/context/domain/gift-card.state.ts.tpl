import { GiftCardEvent, GiftCardEventType, GIFT_CARD_EVENT_TYPES } from './gift-card.events';

export type GiftCardState =
  | { readonly status: 'NONE' }
  | { readonly status: 'ACTIVE'; readonly id: string; readonly title: string };

export const initialGiftCardState = (): GiftCardState => ({ status: 'NONE' });

/**
 * Applies one recorded event. Pure; trusts the event. (`_state` is the state before it: the
 * creation replaces it; an event that changes a gift card will start from it.)
 */
export function evolveGiftCard(_state: GiftCardState, event: GiftCardEvent): GiftCardState {
  switch (event.type) {
    case GiftCardEventType.created:
      return { status: 'ACTIVE', id: event.data.giftCardId, title: event.data.title };
    default: {
      const unknownEvent: never = event.type;
      return unknownEvent;
    }
  }
}

export const giftCardAggregate = {
  eventTypes: GIFT_CARD_EVENT_TYPES,
  initialState: initialGiftCardState,
  evolve: evolveGiftCard,
};

export const giftCardStreamId = (giftCardId: string): string => `gift-card-${giftCardId}`;
