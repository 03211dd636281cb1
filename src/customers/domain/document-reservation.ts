/**
 * The reservation of one normalised document number: a stream of its own
 * (`customer-document-<number>`), appended with an expected version in the same transaction
 * as the customer's registration or unregistration. The unique (stream, version) index of the
 * event store is what makes two registrations of one document impossible: the book of record
 * enforces it, never a read model.
 */
export const DocumentReservationEventType = {
  reserved: 'DocumentNumberReserved',
  released: 'DocumentNumberReleased',
} as const;

export interface DocumentNumberReserved {
  readonly type: typeof DocumentReservationEventType.reserved;
  readonly data: { documentNumber: string; customerId: string };
}

export interface DocumentNumberReleased {
  readonly type: typeof DocumentReservationEventType.released;
  readonly data: { documentNumber: string; customerId: string };
}

export type DocumentReservationEvent = DocumentNumberReserved | DocumentNumberReleased;

export type DocumentReservationState =
  { readonly status: 'FREE' } | { readonly status: 'RESERVED'; readonly customerId: string };

export function evolveDocumentReservation(
  _state: DocumentReservationState,
  event: DocumentReservationEvent,
): DocumentReservationState {
  switch (event.type) {
    case DocumentReservationEventType.reserved:
      return { status: 'RESERVED', customerId: event.data.customerId };
    case DocumentReservationEventType.released:
      return { status: 'FREE' };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

export const documentReservationAggregate = {
  eventTypes: Object.values(DocumentReservationEventType),
  initialState: (): DocumentReservationState => ({ status: 'FREE' }),
  evolve: evolveDocumentReservation,
};

/** `documentNumber` must be normalised. */
export const documentReservationStreamId = (documentNumber: string): string =>
  `customer-document-${documentNumber}`;
