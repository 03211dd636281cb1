import { AggregateRepository } from '@ledgerline/event-sourcing';
import { CustomerEvent } from '../domain/customer.events';
import { CustomerState } from '../domain/customer.state';
import { DocumentReservationEvent, DocumentReservationState } from '../domain/document-reservation';

export type CustomerRepository = AggregateRepository<CustomerState, CustomerEvent>;
export type DocumentReservationRepository = AggregateRepository<
  DocumentReservationState,
  DocumentReservationEvent
>;
