// The public surface of the gift cards context: the only file other contexts may import.
export { GiftCardsModule } from './gift-cards.module';
export { giftCardStreamId } from './domain/gift-card.state';
export { GiftCardEventType } from './domain/gift-card.events';
export { GiftCardIntegrationEventType } from './integration/gift-card-integration-events';
