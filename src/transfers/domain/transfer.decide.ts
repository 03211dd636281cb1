import { TransferEvent, TransferEventType, TransferInitiated } from './transfer.events';
import { TransferAlreadyExistsError, TransferNotFoundError } from './transfer.errors';
import { TransferState } from './transfer.state';

export function decideInitiateTransfer(
  command: TransferInitiated['data'],
  state: TransferState,
): TransferInitiated[] {
  if (state.status !== 'NONE') throw new TransferAlreadyExistsError(command.transferId);
  return [{ type: TransferEventType.initiated, data: { ...command } }];
}

export type TransferOutcome = 'COMPLETED' | 'FAILED' | 'COMPENSATED';

/**
 * Ends a pending transfer. Only the process manager decides the outcome; a transfer that has
 * already ended stays as it is (a resent command decides nothing).
 */
export function decideSettleTransfer(
  command: { transferId: string; outcome: TransferOutcome; reason: string | null },
  state: TransferState,
): TransferEvent[] {
  if (state.status === 'NONE') throw new TransferNotFoundError(command.transferId);
  if (state.status !== 'PENDING') return [];
  const { transferId, reason } = command;
  switch (command.outcome) {
    case 'COMPLETED':
      return [{ type: TransferEventType.completed, data: { transferId } }];
    case 'FAILED':
      return [
        { type: TransferEventType.failed, data: { transferId, reason: reason ?? 'UNKNOWN' } },
      ];
    case 'COMPENSATED':
      return [
        { type: TransferEventType.compensated, data: { transferId, reason: reason ?? 'UNKNOWN' } },
      ];
    default: {
      const unknownOutcome: never = command.outcome;
      return unknownOutcome;
    }
  }
}
