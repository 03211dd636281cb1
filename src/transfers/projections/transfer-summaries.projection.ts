import { Projection, ProjectionTransaction, RecordedEvent } from '@ledgerline/event-sourcing';
import { TransferEvent, TransferEventType } from '../domain/transfer.events';
import { TransferStatus } from '../domain/transfer.state';

export const TRANSFER_SUMMARIES = 'transfer-summaries';
const TABLE = 'transfer_summaries';

/** The status each later event leaves the transfer in. */
const STATUS = {
  [TransferEventType.approved]: 'PENDING',
  [TransferEventType.rejected]: 'REJECTED',
  [TransferEventType.expired]: 'EXPIRED',
  [TransferEventType.completed]: 'COMPLETED',
  [TransferEventType.failed]: 'FAILED',
  [TransferEventType.compensated]: 'COMPENSATED',
} as const satisfies Record<Exclude<TransferEvent['type'], 'TransferInitiated'>, TransferStatus>;

/** Why the transfer is where the event left it: null when it is pending or completed. */
function reasonOf(event: Exclude<TransferEvent, { type: 'TransferInitiated' }>): string | null {
  switch (event.type) {
    case TransferEventType.approved:
    case TransferEventType.completed:
      return null;
    case TransferEventType.rejected:
    case TransferEventType.expired:
    case TransferEventType.failed:
    case TransferEventType.compensated:
      return event.data.reason;
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

/** One row per transfer with its status; a change to an unknown transfer fails loudly. */
export const transferSummariesProjection: Projection = {
  name: TRANSFER_SUMMARIES,
  eventTypes: Object.values(TransferEventType),
  tables: [TABLE],
  lifecycle: 'async',
  async apply(events: readonly RecordedEvent[], tx: ProjectionTransaction): Promise<void> {
    const table = tx.table(TABLE);
    for (const recorded of events) {
      const event = { type: recorded.type, data: recorded.data } as TransferEvent;
      const at = recorded.metadata.occurredAt;
      if (event.type === TransferEventType.initiated) {
        const d = event.data;
        const status: TransferStatus = d.approval ? 'AWAITING_APPROVAL' : 'PENDING';
        await tx.query(
          `INSERT INTO ${table} (transfer_id, from_account_id, to_account_id, amount, currency, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $7, $6, $6)`,
          [d.transferId, d.fromAccountId, d.toAccountId, d.amount, d.currency, at, status],
        );
        continue;
      }
      const reason = reasonOf(event);
      const updated = await tx.query(
        `UPDATE ${table} SET status = $2, reason = $3, updated_at = $4 WHERE transfer_id = $1 RETURNING 1`,
        [event.data.transferId, STATUS[event.type], reason, at],
      );
      if (updated.length !== 1)
        throw new Error(`transfer-summaries: ${event.type} before TransferInitiated`);
    }
  },
};
