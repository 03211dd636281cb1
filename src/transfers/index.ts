// The public surface of the transfers context: the only file other contexts may import.
import { processManagerProjection } from '@ledgerline/event-sourcing';
import { transferProcess } from './process/transfer.process';
import { transferSummariesProjection } from './projections/transfer-summaries.projection';

export { TransfersModule } from './transfers.module';
export type { TransferOptions } from './transfers.tokens';
export { TransferReadModels1732300000009 } from './projections/1732300000009-transfer-read-models.migration';

/**
 * The transfers context's projections: its read model, and the transfer process manager
 * itself (its decisions commit with its checkpoint; it is never rebuilt).
 */
export const transferProjections = (options: { creditTimeoutMs: number }) => [
  transferSummariesProjection,
  processManagerProjection(transferProcess(options)),
];
