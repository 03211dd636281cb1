import { AggregateRepository } from '@ledgerline/event-sourcing';
import { CustomerEvent } from './domain/customer.events';
import { CustomerState } from './domain/customer.state';
import { DocumentReservationEvent, DocumentReservationState } from './domain/document-reservation';

/** Customer streams. */
export type CustomerRepository = AggregateRepository<CustomerState, CustomerEvent>;

/** The streams that reserve a document number for one customer. */
export type DocumentReservationRepository = AggregateRepository<
  DocumentReservationState,
  DocumentReservationEvent
>;
