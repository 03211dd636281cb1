import { DomainError } from '../../shared-kernel/domain-error';

export class AccountNotFoundError extends DomainError {
  readonly code = 'ACCOUNT_NOT_FOUND';
  constructor(readonly accountId: string) {
    super(`account ${accountId} does not exist`);
  }
}

export class AccountAlreadyExistsError extends DomainError {
  readonly code = 'ACCOUNT_ALREADY_EXISTS';
  constructor(readonly accountId: string) {
    super(`account ${accountId} already exists`);
  }
}

export class AccountClosedError extends DomainError {
  readonly code = 'ACCOUNT_CLOSED';
  constructor(readonly accountId: string) {
    super(`account ${accountId} is closed`);
  }
}

export class InsufficientFundsError extends DomainError {
  readonly code = 'INSUFFICIENT_FUNDS';
  constructor(
    readonly accountId: string,
    readonly balance: number,
    readonly requested: number,
  ) {
    super(`account ${accountId} holds ${balance}, cannot withdraw ${requested}`);
  }
}

export class BalanceNotZeroError extends DomainError {
  readonly code = 'BALANCE_NOT_ZERO';
  constructor(
    readonly accountId: string,
    readonly balance: number,
  ) {
    super(`account ${accountId} still holds ${balance}; only an empty account can be closed`);
  }
}

export class BalanceLimitExceededError extends DomainError {
  readonly code = 'BALANCE_LIMIT_EXCEEDED';
  constructor(readonly accountId: string) {
    super(`a deposit to ${accountId} would exceed the largest balance an account may hold`);
  }
}

export class InvalidAmountError extends DomainError {
  readonly code = 'INVALID_AMOUNT';
  constructor(readonly amount: number) {
    super(`amount must be a positive whole number of minor units, at most the documented maximum`);
  }
}

export class TransferInFlightError extends DomainError {
  readonly code = 'TRANSFER_IN_FLIGHT';
  constructor(
    readonly accountId: string,
    readonly transfers: number,
  ) {
    super(`account ${accountId} has ${transfers} outgoing transfer(s) in progress; close it later`);
  }
}

export class CurrencyMismatchError extends DomainError {
  readonly code = 'CURRENCY_MISMATCH';
  constructor(
    readonly accountId: string,
    readonly accountCurrency: string,
    readonly currency: string,
  ) {
    super(`account ${accountId} holds ${accountCurrency}, not ${currency}`);
  }
}

export class TransferCreditCancelledError extends DomainError {
  readonly code = 'TRANSFER_CREDIT_CANCELLED';
  constructor(
    readonly accountId: string,
    readonly transferId: string,
  ) {
    super(`the credit of transfer ${transferId} to ${accountId} was cancelled`);
  }
}

export class TransferAlreadyCreditedError extends DomainError {
  readonly code = 'TRANSFER_ALREADY_CREDITED';
  constructor(
    readonly accountId: string,
    readonly transferId: string,
  ) {
    super(`transfer ${transferId} was already credited to ${accountId}`);
  }
}
