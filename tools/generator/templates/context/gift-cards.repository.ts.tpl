import { AggregateRepository, CommandExecutor } from '@ledgerline/event-sourcing';
import { GiftCardEvent } from './domain/gift-card.events';
import { GiftCardState } from './domain/gift-card.state';

/** Loads gift cards from their streams (snapshot + tail when snapshots are configured). */
export type GiftCardRepository = AggregateRepository<GiftCardState, GiftCardEvent>;

/** The command executor of gift card streams (load, decide, append, retry on conflict). */
export type GiftCardCommands = CommandExecutor<GiftCardState, GiftCardEvent>;
