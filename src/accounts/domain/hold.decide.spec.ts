import { given } from '@ledgerline/event-sourcing/testing';
import { decideClose, decideWithdraw } from './account.decide';
import {
  AccountClosedError,
  AccountNotFoundError,
  InsufficientFundsError,
  InvalidAmountError,
} from './account.errors';
import {
  AccountClosed,
  AccountEvent,
  AccountOpened,
  HoldCaptured,
  HoldExpired,
  HoldPlaced,
  HoldReleased,
  MoneyDeposited,
  MoneyWithdrawn,
  OverdraftLimitSet,
} from './account.events';
import { accountAggregate, accountBalances, AccountState } from './account.state';
import {
  decideCaptureHold,
  decideExpireHold,
  decidePlaceHold,
  decideReleaseHold,
} from './hold.decide';
import {
  AccountHasOpenHoldsError,
  CaptureExceedsHoldError,
  HoldAlreadyExistsError,
  HoldNotFoundError,
  HoldNotOpenError,
  InvalidHoldExpiryError,
} from './hold.errors';

const accountId = 'acc-1';
const holdId = 'hold-1';
const reason = 'ACME BOOKS';
const now = new Date('2026-12-01T12:00:00.000Z');
const expiresAt = '2026-12-08T12:00:00.000Z';

const opened = (): AccountOpened => ({
  type: 'AccountOpened',
  data: { accountId, customerId: 'cust-1', currency: 'EUR' },
});
const deposited = (amount: number): MoneyDeposited => ({
  type: 'MoneyDeposited',
  schemaVersion: 2,
  data: { accountId, amount, reference: null, channel: 'online' },
});
const limitSet = (limit: number): OverdraftLimitSet => ({
  type: 'OverdraftLimitSet',
  data: { accountId, limit, reason: 'test' },
});
const placed = (amount: number, id = holdId): HoldPlaced => ({
  type: 'HoldPlaced',
  data: { accountId, holdId: id, amount, reason, expiresAt },
});
const captured = (amount: number): HoldCaptured => ({
  type: 'HoldCaptured',
  data: { accountId, holdId, amount },
});
const withdrawnBy = (amount: number): MoneyWithdrawn => ({
  type: 'MoneyWithdrawn',
  data: { accountId, amount, reference: reason },
});
const released = (): HoldReleased => ({ type: 'HoldReleased', data: { accountId, holdId } });
const expired = (): HoldExpired => ({ type: 'HoldExpired', data: { accountId, holdId } });
const closed = (): AccountClosed => ({ type: 'AccountClosed', data: { accountId } });

const place =
  (
    amount: number,
    overrides: { id?: string; reason?: string; expiresAt?: string; now?: Date } = {},
  ) =>
  (state: AccountState) =>
    decidePlaceHold(
      {
        accountId,
        holdId: overrides.id ?? holdId,
        amount,
        reason: overrides.reason ?? reason,
        expiresAt: overrides.expiresAt ?? expiresAt,
        now: overrides.now ?? now,
      },
      state,
    );
const capture =
  (amount: number | null = null, at = now) =>
  (state: AccountState) =>
    decideCaptureHold({ accountId, holdId, amount, now: at }, state);
const release = (state: AccountState) => decideReleaseHold({ accountId, holdId }, state);
const expire = (state: AccountState) => decideExpireHold({ accountId, holdId }, state);
const withdraw = (amount: number) => (state: AccountState) =>
  decideWithdraw({ accountId, amount, reference: null }, state);

const givenAccount = (...past: AccountEvent[]) => given(accountAggregate, past);

/** The account's figures after `past`. */
function balancesAfter(...past: AccountEvent[]) {
  const state = past.reduce(accountAggregate.evolve, accountAggregate.initialState());
  if (state.status === 'NONE') throw new Error('no account');
  return accountBalances(state);
}

describe('holds', () => {
  describe('placing', () => {
    it('reserves the amount: the ledger is unchanged, available and spendable are lower', () => {
      givenAccount(opened(), deposited(10_000))
        .when(place(4_000))
        .then([placed(4_000)]);
      expect(balancesAfter(opened(), deposited(10_000), placed(4_000))).toEqual({
        ledgerBalance: 10_000,
        heldAmount: 4_000,
        availableBalance: 6_000,
        overdraftLimit: 0,
        spendableBalance: 6_000,
      });
    });

    it('may use the overdraft limit: available goes down to minus the limit, never further', () => {
      givenAccount(opened(), deposited(1_000), limitSet(500))
        .when(place(1_500))
        .then([placed(1_500)]);
      givenAccount(opened(), deposited(1_000), limitSet(500))
        .when(place(1_501))
        .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
    });

    it('counts the holds already open', () => {
      givenAccount(opened(), deposited(10_000), placed(6_000, 'hold-0'))
        .when(place(4_001))
        .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
      givenAccount(opened(), deposited(10_000), placed(6_000, 'hold-0'))
        .when(place(4_000))
        .then([placed(4_000)]);
    });

    it('decides nothing when the same hold is placed again (a resend)', () => {
      givenAccount(opened(), deposited(10_000), placed(4_000)).when(place(4_000)).then([]);
      givenAccount(opened(), deposited(10_000), placed(4_000), released())
        .when(place(4_000))
        .then([]);
    });

    it('refuses another hold under an id in use: HOLD_ALREADY_EXISTS', () => {
      givenAccount(opened(), deposited(10_000), placed(4_000))
        .when(place(3_000))
        .thenThrows(HoldAlreadyExistsError, 'HOLD_ALREADY_EXISTS');
      givenAccount(opened(), deposited(10_000), placed(4_000))
        .when(place(4_000, { reason: 'OTHER SHOP' }))
        .thenThrows(HoldAlreadyExistsError, 'HOLD_ALREADY_EXISTS');
    });

    it.each([
      ['in the past', '2026-11-30T12:00:00.000Z'],
      ['now', now.toISOString()],
      ['more than 31 days away', '2027-01-01T12:00:00.001Z'],
      ['not an instant', 'tomorrow'],
    ])('refuses an expiry %s: INVALID_HOLD_EXPIRY', (_case, at) => {
      givenAccount(opened(), deposited(10_000))
        .when(place(1_000, { expiresAt: at }))
        .thenThrows(InvalidHoldExpiryError, 'INVALID_HOLD_EXPIRY');
    });

    it('accepts an expiry exactly 31 days away', () => {
      const latest = '2027-01-01T12:00:00.000Z';
      givenAccount(opened(), deposited(10_000))
        .when(place(1_000, { expiresAt: latest }))
        .then([{ ...placed(1_000), data: { ...placed(1_000).data, expiresAt: latest } }]);
    });

    it('refuses an invalid amount, a closed or an unknown account', () => {
      givenAccount(opened(), deposited(10_000))
        .when(place(0))
        .thenThrows(InvalidAmountError, 'INVALID_AMOUNT');
      givenAccount(opened(), closed())
        .when(place(1))
        .thenThrows(AccountClosedError, 'ACCOUNT_CLOSED');
      givenAccount().when(place(1)).thenThrows(AccountNotFoundError, 'ACCOUNT_NOT_FOUND');
    });
  });

  describe('with an open hold', () => {
    const past = [opened(), deposited(10_000), placed(4_000)];

    it('a withdrawal may take only what the hold leaves', () => {
      givenAccount(...past)
        .when(withdraw(6_001))
        .thenThrows(InsufficientFundsError, 'INSUFFICIENT_FUNDS');
      givenAccount(...past)
        .when(withdraw(6_000))
        .then([{ type: 'MoneyWithdrawn', data: { accountId, amount: 6_000, reference: null } }]);
    });

    it('a full capture takes the hold as a withdrawal referenced by its reason', () => {
      givenAccount(...past)
        .when(capture())
        .then([captured(4_000), withdrawnBy(4_000)]);
      expect(balancesAfter(...past, captured(4_000), withdrawnBy(4_000))).toMatchObject({
        ledgerBalance: 6_000,
        heldAmount: 0,
        availableBalance: 6_000,
      });
    });

    it('a partial capture takes part and releases the rest', () => {
      givenAccount(...past)
        .when(capture(2_500))
        .then([captured(2_500), withdrawnBy(2_500)]);
      expect(balancesAfter(...past, captured(2_500), withdrawnBy(2_500))).toMatchObject({
        ledgerBalance: 7_500,
        heldAmount: 0,
        availableBalance: 7_500,
      });
    });

    it('a capture above the hold is refused: CAPTURE_EXCEEDS_HOLD', () => {
      givenAccount(...past)
        .when(capture(4_001))
        .thenThrows(CaptureExceedsHoldError, 'CAPTURE_EXCEEDS_HOLD');
      givenAccount(...past)
        .when(capture(0))
        .thenThrows(InvalidAmountError, 'INVALID_AMOUNT');
    });

    it('a capture at or after its expiry is refused, even before the deadline recorded it', () => {
      givenAccount(...past)
        .when(capture(null, new Date(expiresAt)))
        .thenThrows(HoldNotOpenError, 'HOLD_NOT_OPEN');
    });

    it('a release gives the amount back to the available balance', () => {
      givenAccount(...past)
        .when(release)
        .then([released()]);
      expect(balancesAfter(...past, released())).toMatchObject({
        ledgerBalance: 10_000,
        availableBalance: 10_000,
      });
    });

    it('its deadline expires it', () => {
      givenAccount(...past)
        .when(expire)
        .then([expired()]);
      expect(balancesAfter(...past, expired())).toMatchObject({ availableBalance: 10_000 });
    });

    it('the account cannot be closed: ACCOUNT_HAS_OPEN_HOLDS', () => {
      givenAccount(opened(), placed(0 + 1))
        .when((state) => decideClose({ accountId }, state))
        .thenThrows(AccountHasOpenHoldsError, 'ACCOUNT_HAS_OPEN_HOLDS');
    });

    it('an unknown hold id is HOLD_NOT_FOUND', () => {
      const other = (state: AccountState) =>
        decideReleaseHold({ accountId, holdId: 'nope' }, state);
      givenAccount(...past)
        .when(other)
        .thenThrows(HoldNotFoundError, 'HOLD_NOT_FOUND');
      givenAccount(...past)
        .when((state) => decideCaptureHold({ accountId, holdId: 'nope', amount: null, now }, state))
        .thenThrows(HoldNotFoundError, 'HOLD_NOT_FOUND');
    });
  });

  describe.each<[string, AccountEvent[]]>([
    ['captured', [captured(4_000), withdrawnBy(4_000)]],
    ['released', [released()]],
    ['expired', [expired()]],
  ])('a %s hold', (_status, ending) => {
    const past = [opened(), deposited(10_000), placed(4_000), ...ending];

    it('cannot be captured or released again: HOLD_NOT_OPEN', () => {
      givenAccount(...past)
        .when(capture())
        .thenThrows(HoldNotOpenError, 'HOLD_NOT_OPEN');
      givenAccount(...past)
        .when(release)
        .thenThrows(HoldNotOpenError, 'HOLD_NOT_OPEN');
    });

    it('does not expire again: its deadline firing late decides nothing', () => {
      givenAccount(...past)
        .when(expire)
        .then([]);
    });

    it('no longer reserves anything', () => {
      expect(balancesAfter(...past).heldAmount).toBe(0);
    });
  });
});
