/** Stable event type names of the gift card stream (past tense); never class names. */
export const GiftCardEventType = {
  created: 'GiftCardCreated',
} as const;

export interface GiftCardCreated {
  readonly type: typeof GiftCardEventType.created;
  readonly data: { giftCardId: string; title: string };
}

export type GiftCardEvent = GiftCardCreated;

export const GIFT_CARD_EVENT_TYPES: readonly GiftCardEvent['type'][] =
  Object.values(GiftCardEventType);
