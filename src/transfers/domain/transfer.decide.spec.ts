import { given } from '@ledgerline/event-sourcing/testing';
import { AccessScope, ALL_CUSTOMERS } from '../../auth/principal';
import {
  APPROVAL_DEADLINE_PASSED,
  decideApproveTransfer,
  decideInitiateTransfer,
  decideRejectTransfer,
  decideSettleTransfer,
  InitiateTransfer,
  TransferAccount,
  TransferOutcome,
} from './transfer.decide';
import {
  SelfApprovalForbiddenError,
  TransferAccountNotFoundError,
  TransferAlreadyExistsError,
  TransferNotAwaitingApprovalError,
  TransferNotFoundError,
} from './transfer.errors';
import {
  TransferApproved,
  TransferCompensated,
  TransferCompleted,
  TransferEvent,
  TransferExpired,
  TransferFailed,
  TransferInitiated,
  TransferRejected,
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
const APPROVAL_THRESHOLD = 1_000_000;
const large = APPROVAL_THRESHOLD + 1;
const initiator = 'user:teller-1';
const secondTeller = 'user:teller-2';

const initiated = (currency = 'EUR'): TransferInitiated => ({
  type: 'TransferInitiated',
  data: { transferId, fromAccountId, toAccountId, amount, currency },
});
/** A transfer above the threshold, waiting for a second person. */
const awaiting = (initiatedBy = initiator): TransferInitiated => ({
  type: 'TransferInitiated',
  data: {
    transferId,
    fromAccountId,
    toAccountId,
    amount: large,
    currency: 'EUR',
    approval: { initiatedBy },
  },
});
const approved = (approvedBy = secondTeller): TransferApproved => ({
  type: 'TransferApproved',
  data: { transferId, approvedBy },
});
const rejected = (reason: string | null = null, rejectedBy = secondTeller): TransferRejected => ({
  type: 'TransferRejected',
  data: { transferId, rejectedBy, reason },
});
const expired = (): TransferExpired => ({
  type: 'TransferExpired',
  data: { transferId, reason: APPROVAL_DEADLINE_PASSED },
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
        initiatedBy: initiator,
        approvalThreshold: APPROVAL_THRESHOLD,
        ...overrides,
      },
      state,
    );
const settle =
  (outcome: TransferOutcome, reason: string | null = null) =>
  (state: TransferState) =>
    decideSettleTransfer({ transferId, outcome, reason }, state);

const approve =
  (approver = secondTeller) =>
  (state: TransferState) =>
    decideApproveTransfer({ transferId, approver }, state);
const reject =
  (reason: string | null = null, rejecter = secondTeller) =>
  (state: TransferState) =>
    decideRejectTransfer({ transferId, rejecter, reason }, state);

const givenTransfer = (...past: TransferEvent[]) => given(transferAggregate, past);
/** The state the events fold to, as the repository would load it. */
const folded = (...past: TransferEvent[]): TransferState =>
  past.reduce(transferAggregate.evolve, transferAggregate.initialState());

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
  describe('the approval threshold', () => {
    it('initiates an amount at the threshold exactly as before: no approval recorded', () => {
      givenTransfer()
        .when(initiate({ amount: APPROVAL_THRESHOLD }))
        .then([{ ...initiated(), data: { ...initiated().data, amount: APPROVAL_THRESHOLD } }]);
    });

    it('initiates an amount above it as awaiting approval, recording the initiator', () => {
      givenTransfer()
        .when(initiate({ amount: large }))
        .then([awaiting()]);
    });

    it('folds it as AWAITING_APPROVAL with its initiator; a small one as PENDING without', () => {
      expect(folded(awaiting())).toMatchObject({
        status: 'AWAITING_APPROVAL',
        initiatedBy: initiator,
        amount: large,
      });
      expect(folded(initiated())).toMatchObject({
        status: 'PENDING',
        initiatedBy: null,
      });
    });
  });

  describe('given a transfer awaiting approval', () => {
    it('approves it for a second person: then it is PENDING, as any other transfer', () => {
      givenTransfer(awaiting()).when(approve()).then([approved()]);
      expect(folded(awaiting(), approved())).toMatchObject({
        status: 'PENDING',
        reason: null,
      });
    });

    it('refuses approval by its initiator: SELF_APPROVAL_FORBIDDEN', () => {
      givenTransfer(awaiting())
        .when(approve(initiator))
        .thenThrows(SelfApprovalForbiddenError, 'SELF_APPROVAL_FORBIDDEN');
    });

    it('rejects it, with or without a reason: REJECTED, nothing moved', () => {
      givenTransfer(awaiting())
        .when(reject('limit exceeded'))
        .then([rejected('limit exceeded')]);
      givenTransfer(awaiting()).when(reject()).then([rejected()]);
      expect(folded(awaiting(), rejected('limit exceeded'))).toMatchObject({
        status: 'REJECTED',
        reason: 'limit exceeded',
      });
    });

    it('lets its initiator withdraw it (a rejection moves no money)', () => {
      givenTransfer(awaiting())
        .when(reject(null, initiator))
        .then([rejected(null, initiator)]);
    });

    it('expires it when the process settles it EXPIRED', () => {
      givenTransfer(awaiting()).when(settle('EXPIRED')).then([expired()]);
      expect(folded(awaiting(), expired())).toMatchObject({
        status: 'EXPIRED',
        reason: APPROVAL_DEADLINE_PASSED,
      });
    });

    it.each<TransferOutcome>(['COMPLETED', 'FAILED', 'COMPENSATED'])(
      'decides nothing on settle %s: no money has moved to settle',
      (outcome) => {
        givenTransfer(awaiting()).when(settle(outcome, 'X')).then([]);
      },
    );
  });

  describe('given an approved transfer', () => {
    it('refuses a second approval or a rejection: TRANSFER_NOT_AWAITING_APPROVAL', () => {
      givenTransfer(awaiting(), approved())
        .when(approve('user:teller-3'))
        .thenThrows(TransferNotAwaitingApprovalError, 'TRANSFER_NOT_AWAITING_APPROVAL');
      givenTransfer(awaiting(), approved())
        .when(reject())
        .thenThrows(TransferNotAwaitingApprovalError, 'TRANSFER_NOT_AWAITING_APPROVAL');
    });

    it('approval racing expiry: the expiry that comes after the approval decides nothing', () => {
      givenTransfer(awaiting(), approved()).when(settle('EXPIRED')).then([]);
    });

    it('settles like any pending transfer', () => {
      givenTransfer(awaiting(), approved()).when(settle('COMPLETED')).then([completed()]);
    });
  });

  describe.each<[string, TransferEvent]>([
    ['rejected', rejected()],
    ['expired', expired()],
  ])('given a %s transfer', (_status, ended) => {
    it('refuses approval (approve-after-reject, after expiry): TRANSFER_NOT_AWAITING_APPROVAL', () => {
      givenTransfer(awaiting(), ended)
        .when(approve())
        .thenThrows(TransferNotAwaitingApprovalError, 'TRANSFER_NOT_AWAITING_APPROVAL');
    });

    it('refuses another rejection: TRANSFER_NOT_AWAITING_APPROVAL', () => {
      givenTransfer(awaiting(), ended)
        .when(reject())
        .thenThrows(TransferNotAwaitingApprovalError, 'TRANSFER_NOT_AWAITING_APPROVAL');
    });

    it.each<TransferOutcome>(['COMPLETED', 'FAILED', 'COMPENSATED', 'EXPIRED'])(
      'decides nothing on a settle %s: it stays as it ended',
      (outcome) => {
        givenTransfer(awaiting(), ended).when(settle(outcome, 'X')).then([]);
      },
    );
  });

  describe('approval of a transfer that needs none', () => {
    it('refuses approving or rejecting a pending transfer below the threshold', () => {
      givenTransfer(initiated())
        .when(approve())
        .thenThrows(TransferNotAwaitingApprovalError, 'TRANSFER_NOT_AWAITING_APPROVAL');
      givenTransfer(initiated())
        .when(reject())
        .thenThrows(TransferNotAwaitingApprovalError, 'TRANSFER_NOT_AWAITING_APPROVAL');
    });

    it('refuses approving or rejecting an unknown transfer: TRANSFER_NOT_FOUND', () => {
      givenTransfer().when(approve()).thenThrows(TransferNotFoundError, 'TRANSFER_NOT_FOUND');
      givenTransfer().when(reject()).thenThrows(TransferNotFoundError, 'TRANSFER_NOT_FOUND');
    });

    it('decides nothing on settle EXPIRED for a pending transfer below the threshold', () => {
      givenTransfer(initiated()).when(settle('EXPIRED')).then([]);
    });
  });
});
