import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { AccountWriteResult, HoldResult } from './account-command.results';

/** Reserve `amount` until `expiresAt`; `holdId` makes a resend place nothing new. */
export class PlaceHoldCommand extends Command<HoldResult> {
  constructor(
    readonly accountId: string,
    readonly holdId: string,
    readonly amount: number,
    readonly reason: string,
    /** ISO 8601; null: the default expiry from now. */
    readonly expiresAt: string | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Take `amount` of an open hold (null: all of it) as a withdrawal; the rest is released. */
export class CaptureHoldCommand extends Command<HoldResult> {
  constructor(
    readonly accountId: string,
    readonly holdId: string,
    readonly amount: number | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ReleaseHoldCommand extends Command<HoldResult> {
  constructor(
    readonly accountId: string,
    readonly holdId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Sent by the hold-expiry process when a hold's deadline is due; a no-op once it ended. */
export class ExpireHoldCommand extends Command<AccountWriteResult> {
  constructor(
    readonly accountId: string,
    readonly holdId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
