import { AggregateType, NewEvent } from '@ledgerline/event-sourcing';

// Events: a stable past-tense type, plain JSON data, money in integer minor units.
export type WalletEvent =
  | NewEvent<'WalletOpened', { owner: string }>
  | NewEvent<'MoneyDeposited', { amount: number }>
  | NewEvent<'MoneyWithdrawn', { amount: number }>;

// State: a union on its status, so a closed-over case cannot be forgotten.
export type WalletState = { status: 'none' } | { status: 'open'; balance: number };

export const wallet: AggregateType<WalletState, WalletEvent> = {
  eventTypes: ['WalletOpened', 'MoneyDeposited', 'MoneyWithdrawn'],
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'WalletOpened':
        return { status: 'open', balance: 0 };
      case 'MoneyDeposited':
        return state.status === 'open'
          ? { ...state, balance: state.balance + event.data.amount }
          : state;
      case 'MoneyWithdrawn':
        return state.status === 'open'
          ? { ...state, balance: state.balance - event.data.amount }
          : state;
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },
};

/** A refusal with a stable code, which an HTTP layer maps to its answer. */
export class WalletError extends Error {
  constructor(readonly code: 'WALLET_NOT_OPEN' | 'INSUFFICIENT_FUNDS' | 'INVALID_AMOUNT') {
    super(code);
  }
}

// One pure decide function per command: the events it causes, or a thrown refusal.
export function decideOpen(owner: string, state: WalletState): WalletEvent[] {
  return state.status === 'none' ? [{ type: 'WalletOpened', data: { owner } }] : [];
}

export function decideWithdraw(amount: number, state: WalletState): WalletEvent[] {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new WalletError('INVALID_AMOUNT');
  if (state.status !== 'open') throw new WalletError('WALLET_NOT_OPEN');
  if (amount > state.balance) throw new WalletError('INSUFFICIENT_FUNDS');
  return [{ type: 'MoneyWithdrawn', data: { amount } }];
}
