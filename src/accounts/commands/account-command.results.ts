import { CommandOutcome } from '@ledgerline/event-sourcing';
import { AccountState } from '../domain/account.state';

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
