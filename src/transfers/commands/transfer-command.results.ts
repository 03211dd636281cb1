import { CommandOutcome } from '@ledgerline/event-sourcing';
import { TransferState } from '../domain/transfer.state';

/** Response of a transfer write: the stream version and global position it produced. */
export type TransferWriteResult = { id: string; version: number; position: string | null };

export const toTransferWriteResult =
  (transferId: string) =>
  ({ version, position }: CommandOutcome<TransferState>): TransferWriteResult => ({
    id: transferId,
    version,
    position: position === null ? null : position.globalPosition.toString(),
  });
