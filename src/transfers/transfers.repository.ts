import { AggregateRepository } from '@ledgerline/event-sourcing';
import { TransferEvent } from './domain/transfer.events';
import { TransferState } from './domain/transfer.state';

/** Transfer streams, folded by the transfer's own evolve. */
export type TransferRepository = AggregateRepository<TransferState, TransferEvent>;
