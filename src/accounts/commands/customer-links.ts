import { AggregateRepository } from '@ledgerline/event-sourcing';
import { CustomerEvent, CustomerState } from '../../customers';

/** The customers' streams as the accounts context reads and writes them (open, close). */
export type CustomerLinks = AggregateRepository<CustomerState, CustomerEvent>;
