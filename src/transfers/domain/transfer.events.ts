/** Stable event type names of the transfer stream (past tense). */
export const TransferEventType = {
  initiated: 'TransferInitiated',
  approved: 'TransferApproved',
  rejected: 'TransferRejected',
  expired: 'TransferExpired',
  completed: 'TransferCompleted',
  failed: 'TransferFailed',
  compensated: 'TransferCompensated',
} as const;

export interface TransferInitiated {
  readonly type: typeof TransferEventType.initiated;
  readonly data: {
    transferId: string;
    fromAccountId: string;
    toAccountId: string;
    amount: number;
    currency: string;
    /**
     * Present only when the amount is above the approval threshold: nothing moves until a
     * second person approves. `initiatedBy` is the initiator's actor (`user:<sub>`), who may
     * not approve it. Absent on every transfer below the threshold, and on every transfer
     * recorded before approvals existed: those start at once.
     */
    approval?: { initiatedBy: string };
  };
}

/** A second person approved a transfer awaiting approval: it now proceeds as any other. */
export interface TransferApproved {
  readonly type: typeof TransferEventType.approved;
  readonly data: { transferId: string; approvedBy: string };
}

/** A transfer awaiting approval was turned down; nothing moved. */
export interface TransferRejected {
  readonly type: typeof TransferEventType.rejected;
  readonly data: { transferId: string; rejectedBy: string; reason: string | null };
}

/** Nobody approved the transfer before its approval deadline; nothing moved. */
export interface TransferExpired {
  readonly type: typeof TransferEventType.expired;
  readonly data: { transferId: string; reason: string };
}

export interface TransferCompleted {
  readonly type: typeof TransferEventType.completed;
  readonly data: { transferId: string };
}

/** Nothing moved: the debit was refused (reason: its error code). */
export interface TransferFailed {
  readonly type: typeof TransferEventType.failed;
  readonly data: { transferId: string; reason: string };
}

/** The debit was given back after the credit was refused or its deadline passed. */
export interface TransferCompensated {
  readonly type: typeof TransferEventType.compensated;
  readonly data: { transferId: string; reason: string };
}

export type TransferEvent =
  | TransferInitiated
  | TransferApproved
  | TransferRejected
  | TransferExpired
  | TransferCompleted
  | TransferFailed
  | TransferCompensated;

export const TRANSFER_EVENT_TYPES: readonly TransferEvent['type'][] =
  Object.values(TransferEventType);
