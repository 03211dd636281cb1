import { DomainError } from '../../shared-kernel/domain-error';

// Generic codes of the error catalogue; give the context codes of its own (in
// src/common/errors/error-catalogue.ts) when its clients need to tell its errors apart.

export class GiftCardAlreadyExistsError extends DomainError {
  readonly code = 'ALREADY_EXISTS';
  constructor(readonly giftCardId: string) {
    super(`gift card ${giftCardId} already exists`);
  }
}

export class GiftCardNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(readonly giftCardId: string) {
    super(`gift card ${giftCardId} does not exist`);
  }
}
