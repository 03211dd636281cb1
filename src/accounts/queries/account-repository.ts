import { AggregateRepository } from '@ledgerline/event-sourcing';
import { AccountEvent } from '../domain/account.events';
import { AccountState } from '../domain/account.state';

export type AccountRepository = AggregateRepository<AccountState, AccountEvent>;
