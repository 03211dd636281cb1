/** The two accounts of a transfer. */
export interface TransferAccounts {
  readonly fromAccountId: string;
  readonly toAccountId: string;
}

/**
 * What a statement asks of the transfers context: the accounts of the transfers its movements
 * belong to. The accounts context cannot import transfers (transfers depends on accounts), so
 * it declares this port and the transfers context provides it under TRANSFER_COUNTERPARTS.
 * Without a provider, statements name the transfer only.
 */
export interface TransferCounterparts {
  /** The accounts of each transfer id it knows; an unknown id is left out. */
  accountsOf(transferIds: readonly string[]): Promise<ReadonlyMap<string, TransferAccounts>>;
}

export const TRANSFER_COUNTERPARTS = Symbol('TRANSFER_COUNTERPARTS');

/** The other account of a transfer movement on `accountId`. */
export const counterpartOf = (accountId: string, accounts: TransferAccounts): string =>
  accounts.fromAccountId === accountId ? accounts.toAccountId : accounts.fromAccountId;
