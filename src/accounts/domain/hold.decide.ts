import {
  AccountEventType,
  HoldCaptured,
  HoldExpired,
  HoldPlaced,
  HoldReleased,
  MoneyWithdrawn,
} from './account.events';
import { AccountNotFoundError } from './account.errors';
import { AccountState, Hold, OpenAccount } from './account.state';
import { requireAvailable, requireOpen, requireValidAmount } from './account.rules';
import {
  CaptureExceedsHoldError,
  HoldAlreadyExistsError,
  HoldNotFoundError,
  HoldNotOpenError,
  InvalidHoldExpiryError,
} from './hold.errors';

/** How far ahead a hold may expire, in days (card authorisations last days, not months). */
export const MAX_HOLD_DAYS = 31;
/** When a hold expires if the caller names no expiry, in days from its placing. */
export const DEFAULT_HOLD_DAYS = 7;
export const DAY_MS = 86_400_000;

export interface PlaceHold {
  readonly accountId: string;
  readonly holdId: string;
  readonly amount: number;
  readonly reason: string;
  /** ISO 8601 instant. */
  readonly expiresAt: string;
  /** When the decision is made: the expiry must be after it. */
  readonly now: Date;
}

function requireHold(account: OpenAccount, holdId: string): Hold {
  const hold = account.holds[holdId];
  if (hold === undefined) throw new HoldNotFoundError(account.id, holdId);
  return hold;
}

/** An open hold that has not reached its expiry (its deadline may not have fired yet). */
function requireOpenHold(account: OpenAccount, holdId: string, now: Date): Hold {
  const hold = requireHold(account, holdId);
  if (hold.status !== 'OPEN' || Date.parse(hold.expiresAt) <= now.getTime())
    throw new HoldNotOpenError(holdId, hold.status);
  return hold;
}

/**
 * Reserves money for a later capture. Checked like a withdrawal: the hold must fit in what
 * may be spent. Placing a hold id again decides nothing when it is the same hold (a resend).
 */
export function decidePlaceHold(command: PlaceHold, state: AccountState): HoldPlaced[] {
  requireValidAmount(command.amount);
  const account = requireOpen(state, command.accountId);
  const { accountId, holdId, amount, reason, expiresAt } = command;
  const expiry = Date.parse(expiresAt);
  const now = command.now.getTime();
  if (!(expiry > now && expiry <= now + MAX_HOLD_DAYS * DAY_MS))
    throw new InvalidHoldExpiryError(expiresAt, MAX_HOLD_DAYS);
  const existing = account.holds[holdId];
  if (existing !== undefined) {
    if (existing.amount === amount && existing.reason === reason) return [];
    throw new HoldAlreadyExistsError(holdId);
  }
  requireAvailable(account, amount);
  return [
    { type: AccountEventType.holdPlaced, data: { accountId, holdId, amount, reason, expiresAt } },
  ];
}

/**
 * Captures an open hold for `amount` (default: all of it); the rest is released. The money
 * moves as a MoneyWithdrawn in the same append, referenced by the hold's reason. No funds
 * check: the hold reserved the money, and a capture frees at least as much as it takes.
 */
export function decideCaptureHold(
  command: { accountId: string; holdId: string; amount: number | null; now: Date },
  state: AccountState,
): [HoldCaptured, MoneyWithdrawn] {
  const account = requireOpen(state, command.accountId);
  const hold = requireOpenHold(account, command.holdId, command.now);
  const amount = command.amount ?? hold.amount;
  requireValidAmount(amount);
  if (amount > hold.amount) throw new CaptureExceedsHoldError(command.holdId, hold.amount, amount);
  const { accountId, holdId } = command;
  return [
    { type: AccountEventType.holdCaptured, data: { accountId, holdId, amount } },
    { type: AccountEventType.withdrawn, data: { accountId, amount, reference: hold.reason } },
  ];
}

/** Gives an open hold up: its amount is available again. */
export function decideReleaseHold(
  command: { accountId: string; holdId: string },
  state: AccountState,
): HoldReleased[] {
  const account = requireOpen(state, command.accountId);
  const hold = requireHold(account, command.holdId);
  if (hold.status !== 'OPEN') throw new HoldNotOpenError(command.holdId, hold.status);
  return [{ type: AccountEventType.holdReleased, data: { ...command } }];
}

/**
 * The hold's deadline fired. Nothing to record when it already ended (captured or released
 * first, or a second firing): a hold expires at most once. A closed account cannot hold an
 * open hold, so it is not refused here.
 */
export function decideExpireHold(
  command: { accountId: string; holdId: string },
  state: AccountState,
): HoldExpired[] {
  if (state.status === 'NONE') throw new AccountNotFoundError(command.accountId);
  const hold = state.holds[command.holdId];
  if (hold === undefined) throw new HoldNotFoundError(command.accountId, command.holdId);
  if (hold.status !== 'OPEN') return [];
  return [{ type: AccountEventType.holdExpired, data: { ...command } }];
}
