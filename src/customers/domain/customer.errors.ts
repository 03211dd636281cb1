import { DomainError } from '../../shared-kernel/domain-error';

export class CustomerNotFoundError extends DomainError {
  readonly code = 'CUSTOMER_NOT_FOUND';
  constructor(readonly customerId: string) {
    super(`customer ${customerId} does not exist or is unregistered`);
  }
}

export class CustomerAlreadyExistsError extends DomainError {
  readonly code = 'CUSTOMER_ALREADY_EXISTS';
  constructor(readonly customerId: string) {
    super(`customer ${customerId} already exists`);
  }
}

export class DocumentAlreadyRegisteredError extends DomainError {
  readonly code = 'DOCUMENT_ALREADY_REGISTERED';
  constructor() {
    // The document number and its holder are personal data: not in the message.
    super('a customer with this document number is already registered');
  }
}

export class CustomerHasOpenAccountsError extends DomainError {
  readonly code = 'CUSTOMER_HAS_OPEN_ACCOUNTS';
  constructor(
    readonly customerId: string,
    readonly openAccounts: number,
  ) {
    super(`customer ${customerId} still has ${openAccounts} open account(s); close them first`);
  }
}
