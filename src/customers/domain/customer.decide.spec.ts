import { foldEvents } from '@ledgerline/event-sourcing';
import { given } from '@ledgerline/event-sourcing/testing';
import {
  decideChangeContactDetails,
  decideLinkAccount,
  decideRegister,
  decideUnlinkAccount,
  decideUnregister,
} from './customer.decide';
import {
  CustomerAlreadyExistsError,
  CustomerHasOpenAccountsError,
  CustomerNotFoundError,
  DocumentAlreadyRegisteredError,
} from './customer.errors';
import { CustomerEvent } from './customer.events';
import { customerAggregate } from './customer.state';
import { isValidDocumentNumber, normaliseDocumentNumber } from './document-number';
import { documentReservationAggregate, DocumentReservationEvent } from './document-reservation';

const customerId = 'cust-1';
const details = { name: 'Ada Lovelace', email: 'ada@example.com' };
const registered = (): CustomerEvent => ({
  type: 'CustomerRegistered',
  data: { customerId, ...details, documentNumber: 'AB123' },
});
const linked = (accountId: string): CustomerEvent => ({
  type: 'CustomerAccountLinked',
  data: { customerId, accountId },
});
const unlinked = (accountId: string): CustomerEvent => ({
  type: 'CustomerAccountUnlinked',
  data: { customerId, accountId },
});
const unregistered = (): CustomerEvent => ({ type: 'CustomerUnregistered', data: { customerId } });
const givenCustomer = (...past: CustomerEvent[]) => given(customerAggregate, past);
const reservation = (...past: DocumentReservationEvent[]) =>
  foldEvents(documentReservationAggregate, past);
const reserved = (holder: string): DocumentReservationEvent => ({
  type: 'DocumentNumberReserved',
  data: { documentNumber: 'AB123', customerId: holder },
});
const released = (holder: string): DocumentReservationEvent => ({
  type: 'DocumentNumberReleased',
  data: { documentNumber: 'AB123', customerId: holder },
});
const register = { customerId, ...details, documentNumber: 'AB123' };

describe('document numbers', () => {
  it('normalise by trimming, upper-casing and dropping spaces and dashes', () => {
    expect(normaliseDocumentNumber(' ab-12 3\t4 ')).toBe('AB1234');
    expect(isValidDocumentNumber('a-b-1-2')).toBe(true);
    expect(isValidDocumentNumber('AB#12')).toBe(false);
    expect(isValidDocumentNumber('A1 2')).toBe(false);
  });
});

describe('given no customer', () => {
  it('registers, reserving a free document number', () => {
    const decision = decideRegister(register, { status: 'NONE' }, reservation());
    expect(decision.customer).toEqual([registered()]);
    expect(decision.reservation).toEqual([reserved(customerId)]);
  });

  it('registers with a document number released by an earlier customer', () => {
    const free = reservation(reserved('old'), released('old'));
    expect(decideRegister(register, { status: 'NONE' }, free).reservation).toEqual([
      reserved(customerId),
    ]);
  });

  it('refuses a document number someone holds', () => {
    expect(() => decideRegister(register, { status: 'NONE' }, reservation(reserved('x')))).toThrow(
      DocumentAlreadyRegisteredError,
    );
  });

  it('refuses everything else as CUSTOMER_NOT_FOUND', () => {
    givenCustomer()
      .when((state) => decideChangeContactDetails({ customerId, ...details }, state))
      .thenThrows(CustomerNotFoundError, 'CUSTOMER_NOT_FOUND');
    givenCustomer()
      .when((state) => decideLinkAccount({ customerId, accountId: 'a1' }, state))
      .thenThrows(CustomerNotFoundError, 'CUSTOMER_NOT_FOUND');
    givenCustomer()
      .when((state) => decideUnregister({ customerId }, state).customer)
      .thenThrows(CustomerNotFoundError);
  });
});

describe('given an active customer', () => {
  it('refuses to register the same id again', () => {
    const state = foldEvents(customerAggregate, [registered()]);
    expect(() => decideRegister(register, state, reservation())).toThrow(
      CustomerAlreadyExistsError,
    );
  });

  it('changes contact details, and decides nothing when they are the same', () => {
    givenCustomer(registered())
      .when((state) =>
        decideChangeContactDetails({ customerId, name: 'Ada King', email: 'k@example.com' }, state),
      )
      .then([
        {
          type: 'CustomerContactDetailsChanged',
          data: { customerId, name: 'Ada King', email: 'k@example.com' },
        },
      ]);
    givenCustomer(registered())
      .when((state) => decideChangeContactDetails({ customerId, ...details }, state))
      .then([]);
  });

  it('links accounts and unlinks only those it holds', () => {
    givenCustomer(registered())
      .when((state) => decideLinkAccount({ customerId, accountId: 'a1' }, state))
      .then([linked('a1')]);
    givenCustomer(registered(), linked('a1'))
      .when((state) => decideUnlinkAccount({ customerId, accountId: 'a1' }, state))
      .then([unlinked('a1')]);
    givenCustomer(registered())
      .when((state) => decideUnlinkAccount({ customerId, accountId: 'a2' }, state))
      .then([]);
  });

  it('unregisters when no account is open, releasing the document number', () => {
    const state = foldEvents(customerAggregate, [registered(), linked('a1'), unlinked('a1')]);
    expect(decideUnregister({ customerId }, state)).toEqual({
      customer: [unregistered()],
      reservation: [released(customerId)],
    });
  });

  it('refuses to unregister with an open account', () => {
    givenCustomer(registered(), linked('a1'), linked('a2'), unlinked('a1'))
      .when((state) => decideUnregister({ customerId }, state).customer)
      .thenThrows(CustomerHasOpenAccountsError, 'CUSTOMER_HAS_OPEN_ACCOUNTS');
  });
});

describe('given an unregistered customer', () => {
  it('refuses new accounts, contact changes and a second unregistration', () => {
    const past = [registered(), unregistered()];
    givenCustomer(...past)
      .when((state) => decideLinkAccount({ customerId, accountId: 'a1' }, state))
      .thenThrows(CustomerNotFoundError);
    givenCustomer(...past)
      .when((state) => decideChangeContactDetails({ customerId, ...details }, state))
      .thenThrows(CustomerNotFoundError);
    givenCustomer(...past)
      .when((state) => decideUnregister({ customerId }, state).customer)
      .thenThrows(CustomerNotFoundError);
  });
});
