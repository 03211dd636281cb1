import { given } from '@ledgerline/event-sourcing/testing';
import { AccessScope, ALL_CUSTOMERS } from '../../auth/principal';
import {
  decideInitiateTransfer,
  decideSettleTransfer,
  InitiateTransfer,
  TransferAccount,
  TransferOutcome,
} from './transfer.decide';
import {
  TransferAccountNotFoundError,
  TransferAlreadyExistsError,
  TransferNotFoundError,
} from './transfer.errors';
import {
  TransferCompensated,
  TransferCompleted,
  TransferEvent,
  TransferFailed,
  TransferInitiated,
} from './transfer.events';
import { transferAggregate, TransferState } from './transfer.state';

const transferId = 'tr-1';
const fromAccountId = 'acc-from';
const toAccountId = 'acc-to';
const amount = 2_500;
const holder = 'cust-a';
const recipient = 'cust-b';

const source: TransferAccount = { customerId: holder, currency: 'EUR' };
const destination: TransferAccount = { customerId: recipient, currency: 'EUR' };
const customer = (customerId: string): AccessScope => ({ kind: 'customer', customerId });

const initiated = (currency = 'EUR'): TransferInitiated => ({
  type: 'TransferInitiated',
  data: { transferId, fromAccountId, toAccountId, amount, currency },
});
const completed = (): TransferCompleted => ({ type: 'TransferCompleted', data: { transferId } });
const failed = (reason: string): TransferFailed => ({
  type: 'TransferFailed',
  data: { transferId, reason },
});
const compensated = (reason: string): TransferCompensated => ({
  type: 'TransferCompensated',
  data: { transferId, reason },
});

const initiate =
  (overrides: Partial<InitiateTransfer> = {}) =>
  (state: TransferState) =>
    decideInitiateTransfer(
      {
        transferId,
        fromAccountId,
        toAccountId,
        amount,
        source,
        destination,
        scope: ALL_CUSTOMERS,
        ...overrides,
      },
      state,
    );
const settle =
  (outcome: TransferOutcome, reason: string | null = null) =>
  (state: TransferState) =>
    decideSettleTransfer({ transferId, outcome, reason }, state);

const givenTransfer = (...past: TransferEvent[]) => given(transferAggregate, past);

/** What a decision throws when there is no transfer yet (to see which account it names). */
function refusalOf(decide: (state: TransferState) => unknown): unknown {
  try {
    decide(transferAggregate.initialState());
  } catch (error) {
    return error;
  }
  throw new Error('the decision refused nothing');
}
const accountNotFound = (accountId: string) => ({ code: 'ACCOUNT_NOT_FOUND', accountId });

describe('transfer decider', () => {
  describe('given no transfer', () => {
    it('initiates it, in the currency of the source account', () => {
      givenTransfer()
        .when(initiate({ source: { customerId: holder, currency: 'CHF' } }))
        .then([initiated('CHF')]);
    });

    it('initiates it for a customer moving money from their own account, to anyone', () => {
      givenTransfer()
        .when(initiate({ scope: customer(holder) }))
        .then([initiated()]);
    });

    it("matches the caller's customer id in any letter case", () => {
      givenTransfer()
        .when(initiate({ scope: customer(holder), source: { ...source, customerId: 'CUST-A' } }))
        .then([initiated()]);
    });

    it('refuses a missing source account: ACCOUNT_NOT_FOUND, naming the source', () => {
      givenTransfer()
        .when(initiate({ source: null }))
        .thenThrows(TransferAccountNotFoundError, 'ACCOUNT_NOT_FOUND');
      expect(refusalOf(initiate({ source: null }))).toMatchObject(accountNotFound(fromAccountId));
    });

    it("refuses another customer's source account exactly like a missing one", () => {
      givenTransfer()
        .when(initiate({ scope: customer(recipient) }))
        .thenThrows(TransferAccountNotFoundError, 'ACCOUNT_NOT_FOUND');
      expect(refusalOf(initiate({ scope: customer(recipient) }))).toMatchObject(
        accountNotFound(fromAccountId),
      );
    });

    it('refuses a missing destination account: ACCOUNT_NOT_FOUND, naming the destination', () => {
      givenTransfer()
        .when(initiate({ destination: null }))
        .thenThrows(TransferAccountNotFoundError, 'ACCOUNT_NOT_FOUND');
      expect(refusalOf(initiate({ destination: null }))).toMatchObject(
        accountNotFound(toAccountId),
      );
    });

    it('names the source first when neither account will do', () => {
      expect(refusalOf(initiate({ source: null, destination: null }))).toMatchObject(
        accountNotFound(fromAccountId),
      );
      expect(refusalOf(initiate({ scope: customer(recipient), destination: null }))).toMatchObject(
        accountNotFound(fromAccountId),
      );
    });

    it.each<TransferOutcome>(['COMPLETED', 'FAILED', 'COMPENSATED'])(
      'refuses to settle it %s: TRANSFER_NOT_FOUND',
      (outcome) => {
        givenTransfer()
          .when(settle(outcome, 'INSUFFICIENT_FUNDS'))
          .thenThrows(TransferNotFoundError, 'TRANSFER_NOT_FOUND');
      },
    );
  });

  describe('given a pending transfer', () => {
    it('refuses to initiate it again: TRANSFER_ALREADY_EXISTS', () => {
      givenTransfer(initiated())
        .when(initiate())
        .thenThrows(TransferAlreadyExistsError, 'TRANSFER_ALREADY_EXISTS');
    });

    it('settles it COMPLETED', () => {
      givenTransfer(initiated()).when(settle('COMPLETED')).then([completed()]);
    });

    it('settles it FAILED with the refusal as the reason', () => {
      givenTransfer(initiated())
        .when(settle('FAILED', 'INSUFFICIENT_FUNDS'))
        .then([failed('INSUFFICIENT_FUNDS')]);
    });

    it('settles it COMPENSATED with the reason', () => {
      givenTransfer(initiated())
        .when(settle('COMPENSATED', 'CREDIT_DEADLINE_PASSED'))
        .then([compensated('CREDIT_DEADLINE_PASSED')]);
    });

    it.each<TransferOutcome>(['FAILED', 'COMPENSATED'])(
      'settles it %s with reason UNKNOWN when none is given',
      (outcome) => {
        givenTransfer(initiated())
          .when(settle(outcome, null))
          .then([outcome === 'FAILED' ? failed('UNKNOWN') : compensated('UNKNOWN')]);
      },
    );
  });

  describe.each<[string, TransferEvent]>([
    ['completed', completed()],
    ['failed', failed('INSUFFICIENT_FUNDS')],
    ['compensated', compensated('ACCOUNT_CLOSED')],
  ])('given a %s transfer', (_status, ended) => {
    it('refuses to initiate it again: TRANSFER_ALREADY_EXISTS', () => {
      givenTransfer(initiated(), ended)
        .when(initiate())
        .thenThrows(TransferAlreadyExistsError, 'TRANSFER_ALREADY_EXISTS');
    });

    it.each<TransferOutcome>(['COMPLETED', 'FAILED', 'COMPENSATED'])(
      'decides nothing on a resent settle %s: it stays as it ended',
      (outcome) => {
        givenTransfer(initiated(), ended).when(settle(outcome, 'X')).then([]);
      },
    );
  });
});
