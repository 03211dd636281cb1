import { foldEvents } from '@ledgerline/event-sourcing';
import { given } from '@ledgerline/event-sourcing/testing';
import { MAX_AMOUNT, MAX_BALANCE } from '../../shared-kernel/money';
import {
  decideClose,
  decideDebitForTransfer,
  decideDeposit,
  decideOpenAccount,
  decideSetOverdraftLimit,
  decideSettleTransferDebit,
  decideWithdraw,
} from './account.decide';
import {
  AccountAlreadyExistsError,
  AccountClosedError,
  AccountNotFoundError,
  BalanceLimitExceededError,
  BalanceNotZeroError,
  InsufficientFundsError,
  InvalidAmountError,
  InvalidOverdraftLimitError,
  TransferInFlightError,
} from './account.errors';
import {
  AccountClosed,
  AccountEvent,
  AccountOpened,
  MoneyDeposited,
  MoneyWithdrawn,
  OverdraftLimitSet,
} from './account.events';
import { accountAggregate, AccountState } from './account.state';

const accountId = 'acc-1';
const customerId = 'cust-1';
const currency = 'EUR';

const opened = (): AccountOpened => ({
  type: 'AccountOpened',
  data: { accountId, customerId, currency },
});
const deposited = (amount: number, reference: string | null = null): MoneyDeposited => ({
  type: 'MoneyDeposited',
  schemaVersion: 2,
  data: { accountId, amount, reference, channel: 'online' },
});
const withdrawn = (amount: number, reference: string | null = null): MoneyWithdrawn => ({
  type: 'MoneyWithdrawn',
  data: { accountId, amount, reference },
});
const closed = (): AccountClosed => ({ type: 'AccountClosed', data: { accountId } });
const noTransfers = { debited: [], credited: [], cancelled: [], refunded: [], settled: [] };

const open = (state: AccountState) => decideOpenAccount({ accountId, customerId, currency }, state);
const deposit =
  (amount: number, reference: string | null = null) =>
  (state: AccountState) =>
    decideDeposit({ accountId, amount, reference, channel: 'online' }, state);
const withdraw =
  (amount: number, reference: string | null = null) =>
  (state: AccountState) =>
    decideWithdraw({ accountId, amount, reference }, state);
const close = (state: AccountState) => decideClose({ accountId }, state);

const givenAccount = (...past: AccountEvent[]) => given(accountAggregate, past);

describe('account decider', () => {
  describe('given no account', () => {
    it('opens it', () => {
      givenAccount().when(open).then([opened()]);
    });

    it('refuses a deposit: the account does not exist', () => {
      givenAccount().when(deposit(100)).thenThrows(AccountNotFoundError, 'ACCOUNT_NOT_FOUND');
    });

    it('refuses a withdrawal: the account does not exist', () => {
      givenAccount().when(withdraw(100)).thenThrows(AccountNotFoundError, 'ACCOUNT_NOT_FOUND');
    });

    it('refuses to close it: the account does not exist', () => {
      givenAccount().when(close).thenThrows(AccountNotFoundError, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('given an open account', () => {
    it('refuses to open it twice', () => {
      givenAccount(opened())
        .when(open)
        .thenThrows(AccountAlreadyExistsError, 'ACCOUNT_ALREADY_EXISTS');
    });

    it('records a deposit with its reference', () => {
      givenAccount(opened())
        .when(deposit(2_500, 'salary'))
        .then([deposited(2_500, 'salary')]);
    });

    it('accepts a deposit of exactly MAX_AMOUNT', () => {
      givenAccount(opened())
        .when(deposit(MAX_AMOUNT))
        .then([deposited(MAX_AMOUNT)]);
    });

    it('records a withdrawal of the exact balance', () => {
      givenAccount(opened(), deposited(1_000), withdrawn(300))
        .when(withdraw(700, 'rent'))
        .then([withdrawn(700, 'rent')]);
    });

    it('refuses to withdraw more than the balance', () => {
      givenAccount(opened(), deposited(1_000))
        .when(withdraw(1_001))
        .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
    });

    it('refuses any withdrawal from an empty account', () => {
      givenAccount(opened())
        .when(withdraw(1))
        .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
    });

    it('reports the available balance and the requested amount when funds are insufficient', () => {
      const state = foldEvents(accountAggregate, [opened(), deposited(1_000)]);
      expect(() => withdraw(1_001)(state)).toThrow(
        expect.objectContaining({ accountId, available: 1_000, requested: 1_001 }),
      );
    });

    describe.each([
      ['zero', 0],
      ['negative', -1],
      ['fractional', 1.5],
      ['above MAX_AMOUNT', MAX_AMOUNT + 1],
      ['NaN', NaN],
      ['infinite', Infinity],
    ])('when the amount is %s', (_label, amount) => {
      it('refuses the deposit', () => {
        givenAccount(opened(), deposited(1_000))
          .when(deposit(amount))
          .thenThrows(InvalidAmountError, 'INVALID_AMOUNT');
      });

      it('refuses the withdrawal', () => {
        givenAccount(opened(), deposited(1_000))
          .when(withdraw(amount))
          .thenThrows(InvalidAmountError, 'INVALID_AMOUNT');
      });
    });

    describe('near the largest balance (Number.MAX_SAFE_INTEGER)', () => {
      // Every past deposit is a valid one: as many MAX_AMOUNT deposits as fit under the limit.
      const fullDeposits = Math.floor(MAX_BALANCE / MAX_AMOUNT);
      const headroom = MAX_BALANCE - fullDeposits * MAX_AMOUNT;
      const nearlyFull: AccountEvent[] = [opened()];
      for (let i = 0; i < fullDeposits; i++) nearlyFull.push(deposited(MAX_AMOUNT));

      it('starts from the balance the test means', () => {
        const state = foldEvents(accountAggregate, nearlyFull);
        expect(state).toMatchObject({ status: 'OPEN', balance: MAX_BALANCE - headroom });
        expect(headroom).toBeGreaterThan(0);
        expect(headroom).toBeLessThan(MAX_AMOUNT);
      });

      it('accepts a deposit that reaches the limit exactly', () => {
        givenAccount(...nearlyFull)
          .when(deposit(headroom))
          .then([deposited(headroom)]);
      });

      it('refuses a deposit one unit past the limit', () => {
        givenAccount(...nearlyFull)
          .when(deposit(headroom + 1))
          .thenThrows(BalanceLimitExceededError, 'BALANCE_LIMIT_EXCEEDED');
      });

      it('refuses any deposit once the balance is at the limit', () => {
        // The evolver trusts recorded amounts, so one event can stand for a long history.
        givenAccount(opened(), deposited(MAX_BALANCE))
          .when(deposit(1))
          .thenThrows(BalanceLimitExceededError, 'BALANCE_LIMIT_EXCEEDED');
      });

      it('refuses a MAX_AMOUNT deposit that would overshoot by one unit', () => {
        givenAccount(opened(), deposited(MAX_BALANCE - MAX_AMOUNT + 1))
          .when(deposit(MAX_AMOUNT))
          .thenThrows(BalanceLimitExceededError, 'BALANCE_LIMIT_EXCEEDED');
      });
    });

    it('refuses to close it while it holds money', () => {
      givenAccount(opened(), deposited(1))
        .when(close)
        .thenThrows(BalanceNotZeroError, 'BALANCE_NOT_ZERO');
    });

    it('closes it at a zero balance', () => {
      givenAccount(opened()).when(close).then([closed()]);
    });

    it('closes it once everything was withdrawn', () => {
      givenAccount(opened(), deposited(500), withdrawn(500)).when(close).then([closed()]);
    });
  });

  describe('given a closed account', () => {
    const past = [opened(), deposited(500), withdrawn(500), closed()];

    it('refuses a deposit', () => {
      givenAccount(...past)
        .when(deposit(100))
        .thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
    });

    it('refuses a withdrawal', () => {
      givenAccount(...past)
        .when(withdraw(100))
        .thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
    });

    it('refuses to close it again', () => {
      givenAccount(...past)
        .when(close)
        .thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
    });

    it('refuses to open it again', () => {
      givenAccount(...past)
        .when(open)
        .thenThrows(AccountAlreadyExistsError, 'ACCOUNT_ALREADY_EXISTS');
    });
  });
});

describe('account evolver', () => {
  it('starts with no account', () => {
    expect(accountAggregate.initialState()).toEqual({ status: 'NONE' });
  });

  it('folds opening, deposits and withdrawals into the balance', () => {
    const state = foldEvents(accountAggregate, [
      opened(),
      deposited(10_000),
      withdrawn(2_500),
      deposited(1),
      withdrawn(7_000),
      deposited(499),
    ]);
    expect(state).toEqual({
      status: 'OPEN',
      id: accountId,
      customerId,
      currency,
      balance: 1_000,
      overdraftLimit: 0,
      transfers: noTransfers,
      holds: {},
    });
  });

  it('keeps the details and balance when the account closes', () => {
    const state = foldEvents(accountAggregate, [
      opened(),
      deposited(300),
      withdrawn(300),
      closed(),
    ]);
    expect(state).toEqual({
      status: 'CLOSED',
      id: accountId,
      customerId,
      currency,
      balance: 0,
      overdraftLimit: 0,
      transfers: noTransfers,
      holds: {},
    });
  });
});

describe('given an account with an outgoing transfer in flight', () => {
  const debitedFor = (transferId: string, amount: number): AccountEvent => ({
    type: 'MoneyDebitedForTransfer',
    data: { accountId, transferId, amount },
  });
  const settled = (transferId: string): AccountEvent => ({
    type: 'TransferDebitSettled',
    data: { accountId, transferId },
  });
  const refunded = (transferId: string, amount: number): AccountEvent => ({
    type: 'TransferDebitRefunded',
    data: { accountId, transferId, amount },
  });

  it('refuses to close it, even at a zero balance: a refund may still come', () => {
    givenAccount(opened(), deposited(50), debitedFor('t1', 50))
      .when((state) => decideClose({ accountId }, state))
      .thenThrows(TransferInFlightError, 'TRANSFER_IN_FLIGHT');
  });

  it('closes it once the transfer is settled', () => {
    givenAccount(opened(), deposited(50), debitedFor('t1', 50), settled('t1'))
      .when((state) => decideClose({ accountId }, state))
      .then([closed()]);
  });

  it('settles a debit once, and only one it made', () => {
    givenAccount(opened(), deposited(50), debitedFor('t1', 50), settled('t1'))
      .when((state) => decideSettleTransferDebit({ accountId, transferId: 't1' }, state))
      .then([]);
    givenAccount(opened())
      .when((state) => decideSettleTransferDebit({ accountId, transferId: 't9' }, state))
      .then([]);
  });

  it('after a refund the money is back and the account is open', () => {
    givenAccount(opened(), deposited(50), debitedFor('t1', 50), refunded('t1', 50))
      .when((state) => decideClose({ accountId }, state))
      .thenThrows(BalanceNotZeroError, 'BALANCE_NOT_ZERO');
  });
});

describe('overdraft limit', () => {
  const limitSet = (limit: number, reason = 'credit check'): OverdraftLimitSet => ({
    type: 'OverdraftLimitSet',
    data: { accountId, limit, reason },
  });
  const setLimit =
    (limit: number, reason = 'credit check') =>
    (state: AccountState) =>
      decideSetOverdraftLimit({ accountId, limit, reason }, state);
  const debit =
    (amount: number, transferId = 'tr-1') =>
    (state: AccountState) =>
      decideDebitForTransfer({ accountId, transferId, amount }, state);

  it('is recorded with its reason', () => {
    givenAccount(opened())
      .when(setLimit(50_000))
      .then([limitSet(50_000)]);
  });

  it('records nothing when that limit is already in force', () => {
    givenAccount(opened(), limitSet(50_000)).when(setLimit(50_000)).then([]);
    givenAccount(opened()).when(setLimit(0)).then([]); // the default is 0
  });

  it('lets a withdrawal take the balance down to minus the limit, and not one unit further', () => {
    givenAccount(opened(), deposited(1_000), limitSet(500))
      .when(withdraw(1_500))
      .then([withdrawn(1_500)]);
    givenAccount(opened(), deposited(1_000), limitSet(500))
      .when(withdraw(1_501))
      .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
  });

  it('applies to transfer debits too', () => {
    givenAccount(opened(), limitSet(500))
      .when(debit(500))
      .then([
        { type: 'MoneyDebitedForTransfer', data: { accountId, transferId: 'tr-1', amount: 500 } },
      ]);
    givenAccount(opened(), limitSet(500))
      .when(debit(501))
      .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
  });

  it('reports what was available, the limit included', () => {
    const state = foldEvents(accountAggregate, [opened(), deposited(100), limitSet(400)]);
    expect(() => withdraw(600)(state)).toThrow(
      expect.objectContaining({ accountId, available: 500, requested: 600 }),
    );
  });

  it('may be lowered while overdrawn: debits then wait until the balance is back above minus it', () => {
    const overdrawn = [opened(), limitSet(1_000), withdrawn(800)];
    givenAccount(...overdrawn)
      .when(setLimit(200))
      .then([limitSet(200)]);
    givenAccount(...overdrawn, limitSet(200))
      .when(withdraw(1))
      .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
    // -800 + 600 = -200: exactly at the new limit, nothing available yet.
    givenAccount(...overdrawn, limitSet(200), deposited(600))
      .when(withdraw(1))
      .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
    givenAccount(...overdrawn, limitSet(200), deposited(601))
      .when(withdraw(1))
      .then([withdrawn(1)]);
  });

  it('keeps an overdrawn account open until its balance is back at zero', () => {
    givenAccount(opened(), limitSet(500), withdrawn(200))
      .when(close)
      .thenThrows(BalanceNotZeroError, 'BALANCE_NOT_ZERO');
  });

  it('folds into the state: ledger balance below zero, limit kept', () => {
    const state = foldEvents(accountAggregate, [opened(), limitSet(500), withdrawn(200)]);
    expect(state).toMatchObject({ balance: -200, overdraftLimit: 500 });
  });

  describe.each([
    ['negative', -1],
    ['fractional', 0.5],
    ['above MAX_AMOUNT', MAX_AMOUNT + 1],
    ['NaN', NaN],
  ])('when the limit is %s', (_label, limit) => {
    it('is refused', () => {
      givenAccount(opened())
        .when(setLimit(limit))
        .thenThrows(InvalidOverdraftLimitError, 'INVALID_OVERDRAFT_LIMIT');
    });
  });

  it('is refused on a closed account and on none', () => {
    givenAccount(opened(), closed())
      .when(setLimit(100))
      .thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
    givenAccount().when(setLimit(100)).thenThrows(AccountNotFoundError, 'ACCOUNT_NOT_FOUND');
  });
});
