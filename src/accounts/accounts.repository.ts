import { AggregateRepository } from '@ledgerline/event-sourcing';
import { CustomerEvent, CustomerState } from '../customers';
import { AccountEvent } from './domain/account.events';
import { AccountState } from './domain/account.state';

/** Account streams: snapshot plus tail, folded by the account's own evolve. */
export type AccountRepository = AggregateRepository<AccountState, AccountEvent>;

/** The customers' streams as the accounts context reads and writes them (open, close). */
export type CustomerLinks = AggregateRepository<CustomerState, CustomerEvent>;
