import { processManagerProjection } from '@ledgerline/event-sourcing/postgres';
import { transferProcess } from '../process/transfer.process';
import { TransferReadModels1732300000009 } from './1732300000009-transfer-read-models.migration';
import { TransferListOrder1732300000033 } from './1732300000033-transfer-list-order.migration';
import { transferSummariesProjection } from './transfer-summaries.projection';

/**
 * The transfers context's projections, for the composition root to run: its read model, and
 * the transfer process manager itself (its decisions commit with its checkpoint; it is never
 * rebuilt).
 */
export const transferProjections = (options: { creditTimeoutMs: number }) => [
  transferSummariesProjection,
  processManagerProjection(transferProcess(options)),
];

/** The tables of its read model, for the composition root to migrate. */
export const transferMigrations = [TransferReadModels1732300000009, TransferListOrder1732300000033];
