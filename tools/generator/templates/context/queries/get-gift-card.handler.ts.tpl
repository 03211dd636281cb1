import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { GiftCardNotFoundError } from '../domain/gift-card.errors';
import { giftCardStreamId } from '../domain/gift-card.state';
import { GIFT_CARD_REPOSITORY } from '../gift-cards.tokens';
import { GiftCardRepository } from '../gift-cards.repository';
import { GiftCardView } from './gift-card.views';
import { GetGiftCardQuery } from './get-gift-card.query';

/** Reads the gift card from its stream (the book of record), not from a read model. */
@QueryHandler(GetGiftCardQuery)
export class GetGiftCardHandler implements IQueryHandler<GetGiftCardQuery> {
  constructor(@Inject(GIFT_CARD_REPOSITORY) private readonly giftCards: GiftCardRepository) {}

  async execute({ giftCardId }: GetGiftCardQuery): Promise<GiftCardView> {
    const { state, version } = await this.giftCards.load(giftCardStreamId(giftCardId));
    if (state.status === 'NONE') throw new GiftCardNotFoundError(giftCardId);
    return { id: state.id, title: state.title, version };
  }
}
