import { TransferEvent, TransferEventType, TRANSFER_EVENT_TYPES } from './transfer.events';

export type TransferStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'COMPENSATED';

export interface KnownTransfer {
  readonly status: TransferStatus;
  readonly id: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string | null;
}

export type TransferState = { readonly status: 'NONE' } | KnownTransfer;

export function evolveTransfer(state: TransferState, event: TransferEvent): TransferState {
  switch (event.type) {
    case TransferEventType.initiated: {
      const { transferId, ...details } = event.data;
      return { status: 'PENDING', id: transferId, ...details, reason: null };
    }
    case TransferEventType.completed:
      return state.status === 'NONE' ? state : { ...state, status: 'COMPLETED' };
    case TransferEventType.failed:
      return state.status === 'NONE'
        ? state
        : { ...state, status: 'FAILED', reason: event.data.reason };
    case TransferEventType.compensated:
      return state.status === 'NONE'
        ? state
        : { ...state, status: 'COMPENSATED', reason: event.data.reason };
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
