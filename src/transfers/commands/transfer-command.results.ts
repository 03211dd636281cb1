import { CommandOutcome } from '@ledgerline/event-sourcing';
import { TransferState, TransferStatus } from '../domain/transfer.state';

/** Response of a transfer write: the stream version and global position it produced. */
export type TransferWriteResult = { id: string; version: number; position: string | null };

/** Response of an approval or rejection: the write, and the status it left the transfer in. */
export type TransferDecisionResult = TransferWriteResult & { status: TransferStatus };

export const toTransferWriteResult =
  (transferId: string) =>
  ({ version, position }: CommandOutcome<TransferState>): TransferWriteResult => ({
    id: transferId,
    version,
    position: position === null ? null : position.globalPosition.toString(),
  });

export const toTransferDecisionResult =
  (transferId: string) =>
  (outcome: CommandOutcome<TransferState>): TransferDecisionResult => ({
    ...toTransferWriteResult(transferId)(outcome),
    // Never NONE here: the decisions refuse an unknown transfer.
    status: outcome.state.status === 'NONE' ? 'PENDING' : outcome.state.status,
  });
