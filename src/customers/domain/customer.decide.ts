import {
  CustomerAccountLinked,
  CustomerAccountUnlinked,
  CustomerContactDetailsChanged,
  CustomerErased,
  CustomerEventType,
  CustomerRegistered,
  CustomerUnregistered,
} from './customer.events';
import {
  CustomerAlreadyExistsError,
  CustomerHasOpenAccountsError,
  CustomerNotFoundError,
  DocumentAlreadyRegisteredError,
} from './customer.errors';
import { ActiveCustomer, CustomerState } from './customer.state';
import {
  DocumentNumberReleased,
  DocumentNumberReserved,
  DocumentReservationEventType,
  DocumentReservationState,
} from './document-reservation';

type RegisterCustomer = {
  customerId: string;
  name: string;
  email: string;
  /** Normalised. */
  documentNumber: string;
};

function requireActive(state: CustomerState, customerId: string): ActiveCustomer {
  if (state.status !== 'ACTIVE') throw new CustomerNotFoundError(customerId);
  return state;
}

/** Registration writes two streams: the customer's and the document number's reservation. */
export function decideRegister(
  command: RegisterCustomer,
  customer: CustomerState,
  reservation: DocumentReservationState,
): { customer: CustomerRegistered[]; reservation: DocumentNumberReserved[] } {
  if (customer.status !== 'NONE') throw new CustomerAlreadyExistsError(command.customerId);
  if (reservation.status === 'RESERVED') throw new DocumentAlreadyRegisteredError();
  return {
    customer: [{ type: CustomerEventType.registered, data: { ...command } }],
    reservation: [
      {
        type: DocumentReservationEventType.reserved,
        data: { documentNumber: command.documentNumber, customerId: command.customerId },
      },
    ],
  };
}

/** Nothing when the details are unchanged (a repeat is not a change). */
export function decideChangeContactDetails(
  command: { customerId: string; name: string; email: string },
  state: CustomerState,
): CustomerContactDetailsChanged[] {
  const customer = requireActive(state, command.customerId);
  if (customer.name === command.name && customer.email === command.email) return [];
  return [{ type: CustomerEventType.contactDetailsChanged, data: { ...command } }];
}

/** Unregistering releases the document number in the same transaction. */
export function decideUnregister(
  command: { customerId: string },
  state: CustomerState,
): { customer: CustomerUnregistered[]; reservation: DocumentNumberReleased[] } {
  const customer = requireActive(state, command.customerId);
  if (customer.openAccounts.length > 0)
    throw new CustomerHasOpenAccountsError(command.customerId, customer.openAccounts.length);
  return {
    customer: [{ type: CustomerEventType.unregistered, data: { customerId: command.customerId } }],
    reservation: [
      {
        type: DocumentReservationEventType.released,
        data: { documentNumber: customer.documentNumber, customerId: command.customerId },
      },
    ],
  };
}

/**
 * Erasing: the customer leaves (their document number is released when they still held it)
 * and their personal data goes with their key. Nothing when already erased (a repeat). Open
 * accounts stop it: an account's records need a customer to answer for them.
 */
export function decideErase(
  command: { customerId: string },
  state: CustomerState,
): { customer: CustomerErased[]; reservation: DocumentNumberReleased[] } {
  if (state.status === 'NONE') throw new CustomerNotFoundError(command.customerId);
  if (state.status === 'ERASED') return { customer: [], reservation: [] };
  if (state.openAccounts.length > 0)
    throw new CustomerHasOpenAccountsError(command.customerId, state.openAccounts.length);
  return {
    customer: [{ type: CustomerEventType.erased, data: { customerId: command.customerId } }],
    reservation:
      state.status === 'ACTIVE'
        ? [
            {
              type: DocumentReservationEventType.released,
              data: { documentNumber: state.documentNumber, customerId: command.customerId },
            },
          ]
        : [],
  };
}

/** An account may be opened only for an active customer. */
export function decideLinkAccount(
  command: { customerId: string; accountId: string },
  state: CustomerState,
): CustomerAccountLinked[] {
  requireActive(state, command.customerId);
  return [{ type: CustomerEventType.accountLinked, data: { ...command } }];
}

/** Closing an account frees the customer to unregister once none is left open. */
export function decideUnlinkAccount(
  command: { customerId: string; accountId: string },
  state: CustomerState,
): CustomerAccountUnlinked[] {
  if (state.status === 'NONE' || !state.openAccounts.includes(command.accountId)) return [];
  return [{ type: CustomerEventType.accountUnlinked, data: { ...command } }];
}
