import { AccessScope, coversCustomer } from '../../auth/principal';
import { TransferEvent, TransferEventType, TransferInitiated } from './transfer.events';
import {
  TransferAccountNotFoundError,
  TransferAlreadyExistsError,
  TransferNotFoundError,
} from './transfer.errors';
import { TransferState } from './transfer.state';

/** An account as a transfer sees it when it starts: whose it is, and its currency. */
export interface TransferAccount {
  readonly customerId: string;
  readonly currency: string;
}

/**
 * Start a transfer. The accounts come as they stand when it is asked for (null: no such
 * account); whether money can move is decided later by their own streams.
 */
export interface InitiateTransfer {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly source: TransferAccount | null;
  readonly destination: TransferAccount | null;
  /** Whose money the caller may move: any customer's (staff) or one customer's own. */
  readonly scope: AccessScope;
}

/**
 * Records the transfer in the source account's currency. Both accounts must exist; the source
 * first, and another customer's source exactly like a missing one: a customer moves money from
 * their own accounts only (to any account), and learns nothing else.
 */
export function decideInitiateTransfer(
  command: InitiateTransfer,
  state: TransferState,
): TransferInitiated[] {
  const { transferId, fromAccountId, toAccountId, amount, source, destination, scope } = command;
  if (state.status !== 'NONE') throw new TransferAlreadyExistsError(transferId);
  if (source === null || !coversCustomer(scope, source.customerId))
    throw new TransferAccountNotFoundError(fromAccountId);
  if (destination === null) throw new TransferAccountNotFoundError(toAccountId);
  return [
    {
      type: TransferEventType.initiated,
      data: { transferId, fromAccountId, toAccountId, amount, currency: source.currency },
    },
  ];
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
