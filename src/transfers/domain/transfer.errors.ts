import { DomainError } from '../../shared-kernel/domain-error';

export class TransferNotFoundError extends DomainError {
  readonly code = 'TRANSFER_NOT_FOUND';
  constructor(readonly transferId: string) {
    super(`transfer ${transferId} does not exist`);
  }
}

/** A transfer id used twice: the API chooses ids, so HTTP clients never meet it. */
export class TransferAlreadyExistsError extends DomainError {
  readonly code = 'TRANSFER_ALREADY_EXISTS';
  constructor(readonly transferId: string) {
    super(`transfer ${transferId} already exists`);
  }
}

/**
 * An account of the transfer that does not exist, or a source the caller may not move money
 * from: both answer alike, so a customer learns nothing of another customer's accounts.
 */
export class TransferAccountNotFoundError extends DomainError {
  readonly code = 'ACCOUNT_NOT_FOUND';
  constructor(readonly accountId: string) {
    super(`account ${accountId} does not exist`);
  }
}
