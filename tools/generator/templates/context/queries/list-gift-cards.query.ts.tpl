import { Query } from '@nestjs/cqrs';
import { GiftCardPage } from './gift-card.views';

export class ListGiftCardsQuery extends Query<GiftCardPage> {
  constructor(
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}
