import { TransferEvent, TransferEventType, TRANSFER_EVENT_TYPES } from './transfer.events';

/**
 * AWAITING_APPROVAL: above the approval threshold, nothing moves until a second person
 * approves (then PENDING, as any other transfer); REJECTED and EXPIRED end it with nothing moved.
 */
export const TRANSFER_STATUSES = [
  'AWAITING_APPROVAL',
  'PENDING',
  'COMPLETED',
  'FAILED',
  'COMPENSATED',
  'REJECTED',
  'EXPIRED',
] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

export interface KnownTransfer {
  readonly status: TransferStatus;
  readonly id: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string | null;
  /** Who initiated a transfer that needed approval (`user:<sub>`); null for any other. */
  readonly initiatedBy: string | null;
}

export type TransferState = { readonly status: 'NONE' } | KnownTransfer;

const ended = (
  state: TransferState,
  status: TransferStatus,
  reason: string | null,
): TransferState => (state.status === 'NONE' ? state : { ...state, status, reason });

export function evolveTransfer(state: TransferState, event: TransferEvent): TransferState {
  switch (event.type) {
    case TransferEventType.initiated: {
      const { transferId, approval, ...details } = event.data;
      return {
        status: approval ? 'AWAITING_APPROVAL' : 'PENDING',
        id: transferId,
        ...details,
        reason: null,
        initiatedBy: approval?.initiatedBy ?? null,
      };
    }
    case TransferEventType.approved:
      return ended(state, 'PENDING', null);
    case TransferEventType.rejected:
      return ended(state, 'REJECTED', event.data.reason);
    case TransferEventType.expired:
      return ended(state, 'EXPIRED', event.data.reason);
    case TransferEventType.completed:
      return ended(state, 'COMPLETED', null);
    case TransferEventType.failed:
      return ended(state, 'FAILED', event.data.reason);
    case TransferEventType.compensated:
      return ended(state, 'COMPENSATED', event.data.reason);
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

export const transferAggregate = {
  eventTypes: TRANSFER_EVENT_TYPES,
  initialState: (): TransferState => ({ status: 'NONE' }),
  evolve: evolveTransfer,
};

export const transferStreamId = (transferId: string): string => `transfer-${transferId}`;
