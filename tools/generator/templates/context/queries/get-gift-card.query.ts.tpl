import { Query } from '@nestjs/cqrs';
import { GiftCardView } from './gift-card.views';

export class GetGiftCardQuery extends Query<GiftCardView> {
  constructor(readonly giftCardId: string) {
    super();
  }
}
