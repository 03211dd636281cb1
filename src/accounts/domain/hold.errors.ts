import { DomainError } from '../../shared-kernel/domain-error';
import { AccountErrorCode } from './account.errors';
import { HoldStatus } from './account.state';

export class HoldNotFoundError extends DomainError {
  readonly code = AccountErrorCode.holdNotFound;
  constructor(
    readonly accountId: string,
    readonly holdId: string,
  ) {
    super(`account ${accountId} has no hold ${holdId}`);
  }
}

/** Only an open hold can be captured or released; `status` says how it ended. */
export class HoldNotOpenError extends DomainError {
  readonly code = AccountErrorCode.holdNotOpen;
  constructor(
    readonly holdId: string,
    readonly status: HoldStatus,
  ) {
    super(
      status === 'OPEN'
        ? `hold ${holdId} has passed its expiry and can no longer be captured`
        : `hold ${holdId} is ${status.toLowerCase()}; only an open hold can be captured or released`,
    );
  }
}

/** A hold id resent with other figures: it names another hold. */
export class HoldAlreadyExistsError extends DomainError {
  readonly code = AccountErrorCode.holdAlreadyExists;
  constructor(readonly holdId: string) {
    super(`hold ${holdId} already exists with another amount or reason; use a new id`);
  }
}

export class CaptureExceedsHoldError extends DomainError {
  readonly code = AccountErrorCode.captureExceedsHold;
  constructor(
    readonly holdId: string,
    readonly held: number,
    readonly requested: number,
  ) {
    super(`hold ${holdId} reserves ${held}; cannot capture ${requested}`);
  }
}

export class InvalidHoldExpiryError extends DomainError {
  readonly code = AccountErrorCode.invalidHoldExpiry;
  constructor(
    readonly expiresAt: string,
    readonly maxDays: number,
  ) {
    super(`expiresAt must be in the future and at most ${maxDays} days away; got ${expiresAt}`);
  }
}

export class AccountHasOpenHoldsError extends DomainError {
  readonly code = AccountErrorCode.accountHasOpenHolds;
  constructor(
    readonly accountId: string,
    readonly holds: number,
  ) {
    super(`account ${accountId} has ${holds} open hold(s); capture or release them first`);
  }
}
