import { Module } from '@nestjs/common';
import { AggregateRepository, CommandExecutor, EventStore } from '@ledgerline/event-sourcing';
import { CommandObserver } from '@ledgerline/event-sourcing';
import { EventSourcingModule } from '@ledgerline/event-sourcing/nest';
import { EVENT_STORE } from '../database/database.tokens';
import { OPTIONAL_COMMAND_OBSERVER } from '../observability/metrics/metrics.tokens';
import { CreateGiftCardHandler } from './commands/create-gift-card.handler';
import { giftCardAggregate } from './domain/gift-card.state';
import { GiftCardRepository } from './gift-cards.repository';
import { GIFT_CARD_COMMANDS, GIFT_CARD_REPOSITORY } from './gift-cards.tokens';
import { GiftCardsController } from './http/gift-cards.controller';
import { giftCardIntegrationEvents } from './integration/gift-card-integration-events';
import { giftCardSummariesProjection } from './projections/gift-card-summaries.projection';
import { GetGiftCardHandler } from './queries/get-gift-card.handler';
import { ListGiftCardsHandler } from './queries/list-gift-cards.handler';

const CommandHandlers = [CreateGiftCardHandler];
const QueryHandlers = [GetGiftCardHandler, ListGiftCardsHandler];

/**
 * The gift cards bounded context. It registers its own read model and public events here;
 * its migrations are found by their file names.
 */
@Module({
  imports: [
    EventSourcingModule.forFeature({
      name: 'gift-cards',
      projections: [giftCardSummariesProjection],
      outbox: giftCardIntegrationEvents,
    }),
  ],
  controllers: [GiftCardsController],
  providers: [
    ...CommandHandlers,
    ...QueryHandlers,
    {
      provide: GIFT_CARD_REPOSITORY,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new AggregateRepository(store, giftCardAggregate),
    },
    {
      provide: GIFT_CARD_COMMANDS,
      inject: [EVENT_STORE, GIFT_CARD_REPOSITORY, OPTIONAL_COMMAND_OBSERVER],
      useFactory: (store: EventStore, repository: GiftCardRepository, observer?: CommandObserver) =>
        new CommandExecutor(store, repository, { observer }),
    },
  ],
})
export class GiftCardsModule {}
