import { AccountEvent, AccountEventType, ACCOUNT_EVENT_TYPES } from './account.events';

interface AccountDetails {
  readonly id: string;
  readonly customerId: string;
  readonly currency: string;
  /** Minor units; never negative. */
  readonly balance: number;
}

export type OpenAccount = AccountDetails & { readonly status: 'OPEN' };
export type ClosedAccount = AccountDetails & { readonly status: 'CLOSED' };
export type AccountState = { readonly status: 'NONE' } | OpenAccount | ClosedAccount;

export const initialAccountState = (): AccountState => ({ status: 'NONE' });

/** Applies one recorded event. Pure; trusts the event (rules were checked when it was decided). */
export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case AccountEventType.opened:
      return {
        status: 'OPEN',
        id: event.data.accountId,
        customerId: event.data.customerId,
        currency: event.data.currency,
        balance: 0,
      };
    case AccountEventType.deposited:
      return state.status === 'NONE'
        ? state
        : { ...state, balance: state.balance + event.data.amount };
    case AccountEventType.withdrawn:
      return state.status === 'NONE'
        ? state
        : { ...state, balance: state.balance - event.data.amount };
    case AccountEventType.closed:
      return state.status === 'NONE' ? state : { ...state, status: 'CLOSED' };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

/** The account aggregate as the event-sourcing library sees it. */
export const accountAggregate = {
  eventTypes: ACCOUNT_EVENT_TYPES,
  initialState: initialAccountState,
  evolve: evolveAccount,
};

/** Streams are named by aggregate type and id, so one id can never load another type's events. */
export const accountStreamId = (accountId: string): string => `account-${accountId}`;
