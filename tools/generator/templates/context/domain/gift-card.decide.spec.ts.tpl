import { given } from '@ledgerline/event-sourcing/testing';
import { decideCreateGiftCard } from './gift-card.decide';
import { GiftCardAlreadyExistsError } from './gift-card.errors';
import { GiftCardCreated, GiftCardEvent } from './gift-card.events';
import { giftCardAggregate } from './gift-card.state';

const giftCardId = 'gift-card-1';
const created = (title = 'First'): GiftCardCreated => ({
  type: 'GiftCardCreated',
  data: { giftCardId, title },
});
const givenGiftCard = (...past: GiftCardEvent[]) => given(giftCardAggregate, past);

describe('gift card decider', () => {
  it('creates a gift card that does not exist yet', () => {
    givenGiftCard()
      .when((state) => decideCreateGiftCard({ giftCardId, title: 'First' }, state))
      .then([created('First')]);
  });

  it('refuses to create it twice: ALREADY_EXISTS', () => {
    givenGiftCard(created())
      .when((state) => decideCreateGiftCard({ giftCardId, title: 'Again' }, state))
      .thenThrows(GiftCardAlreadyExistsError, 'ALREADY_EXISTS');
  });
});
