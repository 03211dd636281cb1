/** Stable event type names (past tense); never derived from class names. */
export const AccountEventType = {
  opened: 'AccountOpened',
  deposited: 'MoneyDeposited',
  withdrawn: 'MoneyWithdrawn',
  closed: 'AccountClosed',
} as const;

export interface AccountOpened {
  readonly type: typeof AccountEventType.opened;
  readonly data: { accountId: string; customerId: string; currency: string };
}

export interface MoneyDeposited {
  readonly type: typeof AccountEventType.deposited;
  readonly data: { accountId: string; amount: number; reference: string | null };
}

export interface MoneyWithdrawn {
  readonly type: typeof AccountEventType.withdrawn;
  readonly data: { accountId: string; amount: number; reference: string | null };
}

export interface AccountClosed {
  readonly type: typeof AccountEventType.closed;
  readonly data: { accountId: string };
}

export type AccountEvent = AccountOpened | MoneyDeposited | MoneyWithdrawn | AccountClosed;

export const ACCOUNT_EVENT_TYPES: readonly AccountEvent['type'][] = Object.values(AccountEventType);
