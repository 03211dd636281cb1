import { CommandOutcome, MultiStreamAppendResult } from '@ledgerline/event-sourcing';
import {
  AccountBalances,
  accountBalances,
  AccountState,
  accountStreamId,
  Hold,
} from '../domain/account.state';

/** Response of an account write: the stream version and global position it produced. */
export type AccountWriteResult = { id: string; version: number; position: string | null };

/** Response of a deposit or withdrawal. */
export type MoneyMovementResult = { version: number; balance: number; position: string | null };

const positionOf = (outcome: CommandOutcome<AccountState>): string | null =>
  outcome.position === null ? null : outcome.position.globalPosition.toString();

export const toWriteResult =
  (accountId: string) =>
  (outcome: CommandOutcome<AccountState>): AccountWriteResult => ({
    id: accountId,
    version: outcome.version,
    position: positionOf(outcome),
  });

export const toMovementResult = (outcome: CommandOutcome<AccountState>): MoneyMovementResult => ({
  version: outcome.version,
  balance: outcome.state.status === 'NONE' ? 0 : outcome.state.balance,
  position: positionOf(outcome),
});

/** Response of setting an overdraft limit: the account's figures after it. */
export type OverdraftLimitResult = AccountWriteResult & AccountBalances;

export const toOverdraftLimitResult =
  (accountId: string) =>
  (outcome: CommandOutcome<AccountState>): OverdraftLimitResult => {
    // The decider refuses an account that does not exist, so the state here is an account.
    const account =
      outcome.state.status === 'NONE'
        ? { balance: 0, overdraftLimit: 0, holds: {} }
        : outcome.state;
    return { ...toWriteResult(accountId)(outcome), ...accountBalances(account) };
  };

/** The account stream's part of a write that also touched the customer's stream. */
export const toAccountWriteResult =
  (accountId: string, current: () => number) =>
  (appended: MultiStreamAppendResult | null): AccountWriteResult => {
    const mine = appended?.streams.find((s) => s.streamId === accountStreamId(accountId));
    return {
      id: accountId,
      version: mine?.nextExpectedVersion ?? current(),
      position: appended ? appended.lastPosition.globalPosition.toString() : null,
    };
  };

/** Response of a hold's command: the hold as it stands after it. */
export type HoldResult = Hold & {
  id: string;
  accountId: string;
  version: number;
  position: string | null;
};

export const toHoldResult =
  (accountId: string, holdId: string) =>
  (outcome: CommandOutcome<AccountState>): HoldResult => {
    // The decisions refuse an unknown account or hold, so both exist here.
    const hold = outcome.state.status === 'NONE' ? undefined : outcome.state.holds[holdId];
    if (hold === undefined) throw new Error(`hold ${holdId} missing after its command`);
    return {
      id: holdId,
      accountId,
      ...hold,
      version: outcome.version,
      position: positionOf(outcome),
    };
  };
