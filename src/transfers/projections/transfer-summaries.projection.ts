import { Projection, ProjectionTransaction, RecordedEvent } from '@ledgerline/event-sourcing';
import { TransferEvent, TransferEventType } from '../domain/transfer.events';

export const TRANSFER_SUMMARIES = 'transfer-summaries';
const TABLE = 'transfer_summaries';

const STATUS = {
  [TransferEventType.completed]: 'COMPLETED',
  [TransferEventType.failed]: 'FAILED',
  [TransferEventType.compensated]: 'COMPENSATED',
} as const;

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
        await tx.query(
          `INSERT INTO ${table} (transfer_id, from_account_id, to_account_id, amount, currency, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $6)`,
          [d.transferId, d.fromAccountId, d.toAccountId, d.amount, d.currency, at],
        );
        continue;
      }
      const reason = event.type === TransferEventType.completed ? null : event.data.reason;
      const updated = await tx.query(
        `UPDATE ${table} SET status = $2, reason = $3, updated_at = $4 WHERE transfer_id = $1 RETURNING 1`,
        [event.data.transferId, STATUS[event.type], reason, at],
      );
      if (updated.length !== 1)
        throw new Error(`transfer-summaries: ${event.type} before TransferInitiated`);
    }
  },
};
