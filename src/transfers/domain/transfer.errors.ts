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

/** Approving or rejecting a transfer that is not (or no longer) awaiting approval. */
export class TransferNotAwaitingApprovalError extends DomainError {
  readonly code = 'TRANSFER_NOT_AWAITING_APPROVAL';
  constructor(
    readonly transferId: string,
    readonly status: string,
  ) {
    super(`transfer ${transferId} is ${status}, not awaiting approval`);
  }
}

/** Four eyes: whoever initiated a transfer that needs approval may not approve it. */
export class SelfApprovalForbiddenError extends DomainError {
  readonly code = 'SELF_APPROVAL_FORBIDDEN';
  constructor(readonly transferId: string) {
    super(`transfer ${transferId} was initiated by the caller; another person must approve it`);
  }
}
