import { AccessScope, coversCustomer } from '../../auth/principal';
import {
  TransferApproved,
  TransferEvent,
  TransferEventType,
  TransferInitiated,
  TransferRejected,
} from './transfer.events';
import {
  SelfApprovalForbiddenError,
  TransferAccountNotFoundError,
  TransferAlreadyExistsError,
  TransferNotAwaitingApprovalError,
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
  /** The caller, as the events' actor (`user:<sub>`): recorded when approval is needed. */
  readonly initiatedBy: string;
  /** Amounts above this (minor units) wait for a second person's approval. */
  readonly approvalThreshold: number;
}

/**
 * Records the transfer in the source account's currency. Both accounts must exist; the source
 * first, and another customer's source exactly like a missing one: a customer moves money from
 * their own accounts only (to any account), and learns nothing else. An amount above the
 * approval threshold is recorded as awaiting approval, with its initiator; one at or below it
 * exactly as before approvals existed.
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
  const data = { transferId, fromAccountId, toAccountId, amount, currency: source.currency };
  return [
    {
      type: TransferEventType.initiated,
      data:
        amount > command.approvalThreshold
          ? { ...data, approval: { initiatedBy: command.initiatedBy } }
          : data,
    },
  ];
}

/** A second person approves a transfer awaiting approval (`approver`: `user:<sub>`). */
export interface ApproveTransfer {
  readonly transferId: string;
  readonly approver: string;
}

/**
 * Lets the transfer proceed. Only while it awaits approval (not after a rejection, an expiry or
 * an earlier approval), and never by its initiator: four eyes means two different people.
 */
export function decideApproveTransfer(
  command: ApproveTransfer,
  state: TransferState,
): TransferApproved[] {
  const { transferId, approver } = command;
  if (state.status === 'NONE') throw new TransferNotFoundError(transferId);
  if (state.status !== 'AWAITING_APPROVAL')
    throw new TransferNotAwaitingApprovalError(transferId, state.status);
  if (state.initiatedBy === approver) throw new SelfApprovalForbiddenError(transferId);
  return [{ type: TransferEventType.approved, data: { transferId, approvedBy: approver } }];
}

/** Turns down a transfer awaiting approval, with an optional reason for the record. */
export interface RejectTransfer {
  readonly transferId: string;
  readonly rejecter: string;
  readonly reason: string | null;
}

/**
 * Ends a transfer awaiting approval with nothing moved. Its initiator may reject it too
 * (withdrawing a request moves no money, so it needs no second pair of eyes).
 */
export function decideRejectTransfer(
  command: RejectTransfer,
  state: TransferState,
): TransferRejected[] {
  const { transferId, rejecter, reason } = command;
  if (state.status === 'NONE') throw new TransferNotFoundError(transferId);
  if (state.status !== 'AWAITING_APPROVAL')
    throw new TransferNotAwaitingApprovalError(transferId, state.status);
  return [{ type: TransferEventType.rejected, data: { transferId, rejectedBy: rejecter, reason } }];
}

/** EXPIRED ends a transfer still awaiting approval; the others end a pending one. */
export type TransferOutcome = 'COMPLETED' | 'FAILED' | 'COMPENSATED' | 'EXPIRED';

/** Why a transfer expired when no reason is given: its approval deadline passed. */
export const APPROVAL_DEADLINE_PASSED = 'APPROVAL_DEADLINE_PASSED';

/**
 * Ends a transfer. Only the process manager decides the outcome; a transfer that has already
 * ended stays as it is (a resent command decides nothing). EXPIRED applies only while the
 * transfer awaits approval: an approval that came first wins, and the expiry decides nothing
 * (the transfer stream is where approval and expiry race, one append after the other).
 */
export function decideSettleTransfer(
  command: { transferId: string; outcome: TransferOutcome; reason: string | null },
  state: TransferState,
): TransferEvent[] {
  if (state.status === 'NONE') throw new TransferNotFoundError(command.transferId);
  const { transferId, reason } = command;
  if (command.outcome === 'EXPIRED') {
    if (state.status !== 'AWAITING_APPROVAL') return [];
    return [
      {
        type: TransferEventType.expired,
        data: { transferId, reason: reason ?? APPROVAL_DEADLINE_PASSED },
      },
    ];
  }
  if (state.status !== 'PENDING') return [];
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
