import { CustomerEvent, CustomerEventType, CUSTOMER_EVENT_TYPES } from './customer.events';

export interface ActiveCustomer {
  readonly status: 'ACTIVE';
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly documentNumber: string;
  /** Ids of the customer's open accounts. */
  readonly openAccounts: readonly string[];
}

export interface UnregisteredCustomer {
  readonly status: 'UNREGISTERED';
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly documentNumber: string;
  readonly openAccounts: readonly string[];
}

/** Erased: the customer's id is all that is left; their personal fields read as null. */
export interface ErasedCustomer {
  readonly status: 'ERASED';
  readonly id: string;
  readonly openAccounts: readonly string[];
}

export type CustomerState =
  { readonly status: 'NONE' } | ActiveCustomer | UnregisteredCustomer | ErasedCustomer;

export const initialCustomerState = (): CustomerState => ({ status: 'NONE' });

/** Applies one recorded event. Pure; trusts the event. */
export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case CustomerEventType.registered:
      return { status: 'ACTIVE', id: event.data.customerId, ...event.data, openAccounts: [] };
    case CustomerEventType.contactDetailsChanged:
      return state.status === 'NONE' || state.status === 'ERASED'
        ? state
        : { ...state, name: event.data.name, email: event.data.email };
    case CustomerEventType.unregistered:
      return state.status === 'NONE' || state.status === 'ERASED'
        ? state
        : { ...state, status: 'UNREGISTERED' };
    case CustomerEventType.erased:
      return state.status === 'NONE'
        ? state
        : { status: 'ERASED', id: state.id, openAccounts: state.openAccounts };
    case CustomerEventType.accountLinked:
      return state.status === 'NONE'
        ? state
        : { ...state, openAccounts: [...state.openAccounts, event.data.accountId] };
    case CustomerEventType.accountUnlinked:
      return state.status === 'NONE'
        ? state
        : {
            ...state,
            openAccounts: state.openAccounts.filter((id) => id !== event.data.accountId),
          };
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

export const customerAggregate = {
  eventTypes: CUSTOMER_EVENT_TYPES,
  initialState: initialCustomerState,
  evolve: evolveCustomer,
};

export const customerStreamId = (customerId: string): string => `customer-${customerId}`;
