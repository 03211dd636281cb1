/**
 * The reservation of one normalised document number: a stream of its own
 * (`customer-document-<keyed hash of the number>`, so no stream id tells the number), appended with an expected version in the same transaction
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

/** `lookupHash`: the keyed hash of the normalised number (LookupHash), 64 hex digits. */
export const documentReservationStreamId = (lookupHash: string): string =>
  `customer-document-${lookupHash}`;

/** Set once no reservation stream is named after the number itself (see below). */
export const RESERVATIONS_HASHED_SQL = `SELECT 1 FROM pii_reservations_hashed WHERE id = 1`;
export const MARK_RESERVATIONS_HASHED_SQL = `
INSERT INTO pii_reservations_hashed (id) VALUES (1) ON CONFLICT (id) DO NOTHING`;

/** Reservation streams named after the number itself, as releases before keyed hashes did. */
export const PLAIN_RESERVATION_STREAMS_SQL = `
SELECT count(DISTINCT stream_id)::int AS count FROM es_events
 WHERE stream_id LIKE 'customer-document-%' AND stream_id !~ '^customer-document-[0-9a-f]{64}$'`;
