/** Stable event type names of the transfer stream (past tense). */
export const TransferEventType = {
  initiated: 'TransferInitiated',
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
  };
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
  TransferInitiated | TransferCompleted | TransferFailed | TransferCompensated;

export const TRANSFER_EVENT_TYPES: readonly TransferEvent['type'][] =
  Object.values(TransferEventType);
