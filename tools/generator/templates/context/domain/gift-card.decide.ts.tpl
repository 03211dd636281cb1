import { GiftCardAlreadyExistsError } from './gift-card.errors';
import { GiftCardCreated, GiftCardEventType } from './gift-card.events';
import { GiftCardState } from './gift-card.state';

export interface CreateGiftCard {
  readonly giftCardId: string;
  readonly title: string;
}

/** A gift card is created once; a second creation under its id is refused. */
export function decideCreateGiftCard(
  command: CreateGiftCard,
  state: GiftCardState,
): GiftCardCreated[] {
  if (state.status !== 'NONE') throw new GiftCardAlreadyExistsError(command.giftCardId);
  return [
    {
      type: GiftCardEventType.created,
      data: { giftCardId: command.giftCardId, title: command.title },
    },
  ];
}
