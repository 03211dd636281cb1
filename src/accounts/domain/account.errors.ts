import { DomainError } from '../../shared-kernel/domain-error';

/** The stable codes of the accounts' refusals: other contexts compare with these, never with literals. */
export const AccountErrorCode = {
  accountNotFound: 'ACCOUNT_NOT_FOUND',
  accountNotYetOpened: 'ACCOUNT_NOT_YET_OPENED',
  accountEventNotFound: 'ACCOUNT_EVENT_NOT_FOUND',
  accountAlreadyExists: 'ACCOUNT_ALREADY_EXISTS',
  accountClosed: 'ACCOUNT_CLOSED',
  insufficientFunds: 'INSUFFICIENT_FUNDS',
  balanceNotZero: 'BALANCE_NOT_ZERO',
  balanceLimitExceeded: 'BALANCE_LIMIT_EXCEEDED',
  invalidAmount: 'INVALID_AMOUNT',
  invalidOverdraftLimit: 'INVALID_OVERDRAFT_LIMIT',
  transferInFlight: 'TRANSFER_IN_FLIGHT',
  currencyMismatch: 'CURRENCY_MISMATCH',
  transferCreditCancelled: 'TRANSFER_CREDIT_CANCELLED',
  transferAlreadyCredited: 'TRANSFER_ALREADY_CREDITED',
  holdNotFound: 'HOLD_NOT_FOUND',
  holdNotOpen: 'HOLD_NOT_OPEN',
  holdAlreadyExists: 'HOLD_ALREADY_EXISTS',
  captureExceedsHold: 'CAPTURE_EXCEEDS_HOLD',
  invalidHoldExpiry: 'INVALID_HOLD_EXPIRY',
  accountHasOpenHolds: 'ACCOUNT_HAS_OPEN_HOLDS',
} as const;

export type AccountErrorCode = (typeof AccountErrorCode)[keyof typeof AccountErrorCode];

export class AccountNotFoundError extends DomainError {
  readonly code = AccountErrorCode.accountNotFound;
  constructor(readonly accountId: string) {
    super(`account ${accountId} does not exist`);
  }
}

/** A temporal query asked about an instant before the account was opened. */
export class AccountNotYetOpenedError extends DomainError {
  readonly code = AccountErrorCode.accountNotYetOpened;
  constructor(
    readonly accountId: string,
    readonly asOf: string,
    readonly openedAt: string,
  ) {
    super(`account ${accountId} was opened at ${openedAt}; it did not exist yet at ${asOf}`);
  }
}

export class AccountEventNotFoundError extends DomainError {
  readonly code = AccountErrorCode.accountEventNotFound;
  constructor(
    readonly accountId: string,
    readonly version: number,
  ) {
    super(`account ${accountId} has no event with version ${version}`);
  }
}

export class AccountAlreadyExistsError extends DomainError {
  readonly code = AccountErrorCode.accountAlreadyExists;
  constructor(readonly accountId: string) {
    super(`account ${accountId} already exists`);
  }
}

export class AccountClosedError extends DomainError {
  readonly code = AccountErrorCode.accountClosed;
  constructor(readonly accountId: string) {
    super(`account ${accountId} is closed`);
  }
}

/**
 * A debit or hold beyond what may be spent: the available balance (ledger minus open holds)
 * plus the overdraft limit. `available` is that figure.
 */
export class InsufficientFundsError extends DomainError {
  readonly code = AccountErrorCode.insufficientFunds;
  constructor(
    readonly accountId: string,
    readonly available: number,
    readonly requested: number,
  ) {
    super(`account ${accountId} has ${available} available, cannot withdraw ${requested}`);
  }
}

export class BalanceNotZeroError extends DomainError {
  readonly code = AccountErrorCode.balanceNotZero;
  constructor(
    readonly accountId: string,
    readonly balance: number,
  ) {
    super(`account ${accountId} still holds ${balance}; only an empty account can be closed`);
  }
}

export class BalanceLimitExceededError extends DomainError {
  readonly code = AccountErrorCode.balanceLimitExceeded;
  constructor(readonly accountId: string) {
    super(`a deposit to ${accountId} would exceed the largest balance an account may hold`);
  }
}

export class InvalidAmountError extends DomainError {
  readonly code = AccountErrorCode.invalidAmount;
  constructor(readonly amount: number) {
    super(`amount must be a positive whole number of minor units, at most the documented maximum`);
  }
}

export class InvalidOverdraftLimitError extends DomainError {
  readonly code = AccountErrorCode.invalidOverdraftLimit;
  constructor(readonly limit: number) {
    super('the overdraft limit must be a whole number of minor units from 0 to the maximum amount');
  }
}

export class TransferInFlightError extends DomainError {
  readonly code = AccountErrorCode.transferInFlight;
  constructor(
    readonly accountId: string,
    readonly transfers: number,
  ) {
    super(`account ${accountId} has ${transfers} outgoing transfer(s) in progress; close it later`);
  }
}

export class CurrencyMismatchError extends DomainError {
  readonly code = AccountErrorCode.currencyMismatch;
  constructor(
    readonly accountId: string,
    readonly accountCurrency: string,
    readonly currency: string,
  ) {
    super(`account ${accountId} holds ${accountCurrency}, not ${currency}`);
  }
}

export class TransferCreditCancelledError extends DomainError {
  readonly code = AccountErrorCode.transferCreditCancelled;
  constructor(
    readonly accountId: string,
    readonly transferId: string,
  ) {
    super(`the credit of transfer ${transferId} to ${accountId} was cancelled`);
  }
}

export class TransferAlreadyCreditedError extends DomainError {
  readonly code = AccountErrorCode.transferAlreadyCredited;
  constructor(
    readonly accountId: string,
    readonly transferId: string,
  ) {
    super(`transfer ${transferId} was already credited to ${accountId}`);
  }
}
