import { Projection, ProjectionTransaction, RecordedEvent } from '@ledgerline/event-sourcing';
import { ERASE_SUBJECT_SQL } from '../../personal-data/data-key-store';
import { CustomerEvent, CustomerEventType } from '../domain/customer.events';

export const CUSTOMER_SUMMARIES = 'customer-summaries';
const TABLE = 'customer_summaries';

/**
 * One row per customer, for search and listing. Customer events are few per customer, so
 * each is one statement; a change to a customer never registered fails (and parks) loudly.
 */
export const customerSummariesProjection: Projection = {
  name: CUSTOMER_SUMMARIES,
  eventTypes: Object.values(CustomerEventType),
  tables: [TABLE],
  lifecycle: 'async',
  async apply(events: readonly RecordedEvent[], tx: ProjectionTransaction): Promise<void> {
    const table = tx.table(TABLE);
    for (const recorded of events) {
      const event = { type: recorded.type, data: recorded.data } as CustomerEvent;
      const at = recorded.metadata.occurredAt;
      const version = recorded.streamVersion;
      if (event.type === CustomerEventType.registered) {
        const { customerId, name, email, documentNumber } = event.data;
        await tx.query(
          `INSERT INTO ${table} (customer_id, name, email, document_number, status, open_accounts, version, registered_at, updated_at)
           VALUES ($1, $2, $3, $4, 'ACTIVE', 0, $5, $6, $6)`,
          [customerId, name, email, documentNumber, version, at],
        );
        continue;
      }
      if (event.type === CustomerEventType.erased) {
        // Where the erasure's own deletion of the key did not happen (the process stopped
        // right after the commit), this one does: same transaction as the row's erasure.
        await tx.query(ERASE_SUBJECT_SQL, [event.data.customerId.toLowerCase()]);
      }
      const [set, parameters] = change(event);
      const updated = await tx.query(
        `UPDATE ${table} SET ${set}, version = $2, updated_at = $3 WHERE customer_id = $1 RETURNING 1`,
        [event.data.customerId, version, at, ...parameters],
      );
      if (updated.length !== 1)
        throw new Error(
          `customer-summaries: ${event.type} for an unregistered stream ${recorded.streamId}`,
        );
    }
  },
};

/** The SET clause (parameters from $4) of a change to an existing customer. */
function change(
  event: Exclude<CustomerEvent, { type: 'CustomerRegistered' }>,
): [string, unknown[]] {
  switch (event.type) {
    case CustomerEventType.contactDetailsChanged:
      return ['name = $4, email = $5', [event.data.name, event.data.email]];
    case CustomerEventType.unregistered:
      return ["status = 'UNREGISTERED'", []];
    case CustomerEventType.accountLinked:
      return ['open_accounts = open_accounts + 1', []];
    case CustomerEventType.accountUnlinked:
      return ['open_accounts = open_accounts - 1', []];
    case CustomerEventType.erased:
      // The row stays (the customer's id still answers for their history); what it held of
      // them goes, as their events' fields went with their key.
      return ["status = 'ERASED', name = NULL, email = NULL, document_number = NULL", []];
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}
