import { LogSnapshot, LoggedEvent } from './log-snapshot';

/** How each account event moves the balance (0 for bookkeeping events). */
export const BALANCE_DELTA: Readonly<Record<string, 1 | -1>> = {
  MoneyDeposited: 1,
  MoneyWithdrawn: -1,
  MoneyDebitedForTransfer: -1,
  MoneyCreditedForTransfer: 1,
  TransferDebitRefunded: 1,
};

/** One account folded from its stream by the checker's own rules (no app code). */
export interface AccountLedger {
  readonly accountId: string;
  readonly balance: number;
  readonly lowest: number;
  /** The lowest point: the version where the running balance was lowest. */
  readonly lowestAt: number;
  /** Running balance after each version (index = version). */
  readonly balanceAt: readonly number[];
  readonly version: number;
  readonly closed: boolean;
  readonly deposited: number;
  readonly withdrawn: number;
  readonly events: readonly LoggedEvent[];
}

const amountOf = (event: LoggedEvent): number => Number(event.data.amount ?? 0);

export function accountLedgers(log: LogSnapshot): Map<string, AccountLedger> {
  const ledgers = new Map<string, AccountLedger>();
  for (const [streamId, events] of log.byStream) {
    if (!streamId.startsWith('account-')) continue;
    let balance = 0;
    let lowest = 0;
    let lowestAt = 0;
    let deposited = 0;
    let withdrawn = 0;
    const balanceAt: number[] = [0];
    for (const event of events) {
      balance += (BALANCE_DELTA[event.type] ?? 0) * amountOf(event);
      if (event.type === 'MoneyDeposited') deposited += amountOf(event);
      if (event.type === 'MoneyWithdrawn') withdrawn += amountOf(event);
      balanceAt[event.version] = balance;
      if (balance < lowest) {
        lowest = balance;
        lowestAt = event.version;
      }
    }
    const accountId = streamId.slice('account-'.length);
    ledgers.set(accountId, {
      accountId,
      balance,
      lowest,
      lowestAt,
      balanceAt,
      version: events.at(-1)?.version ?? 0,
      closed: events.some((event) => event.type === 'AccountClosed'),
      deposited,
      withdrawn,
      events,
    });
  }
  return ledgers;
}
