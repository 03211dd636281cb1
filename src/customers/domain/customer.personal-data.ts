import type { PersonalFields } from '../../personal-data/personal-fields';
import { CustomerEventType } from './customer.events';
import { DocumentReservationEventType } from './document-reservation';

/** The customer's personal data, field by field, wherever the context's events carry it. */
export const customerPersonalFields: readonly PersonalFields[] = [
  {
    type: CustomerEventType.registered,
    subject: 'customerId',
    fields: ['name', 'email', 'documentNumber'],
  },
  {
    type: CustomerEventType.contactDetailsChanged,
    subject: 'customerId',
    fields: ['name', 'email'],
  },
  {
    type: DocumentReservationEventType.reserved,
    subject: 'customerId',
    fields: ['documentNumber'],
  },
  {
    type: DocumentReservationEventType.released,
    subject: 'customerId',
    fields: ['documentNumber'],
  },
];
