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
