import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS, ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountRepository } from '../accounts.repository';
import { accountStreamId } from '../domain/account.state';
import {
  decideCaptureHold,
  decideExpireHold,
  decidePlaceHold,
  decideReleaseHold,
  DEFAULT_HOLD_DAYS,
  DAY_MS,
} from '../domain/hold.decide';
import { assertAccountVisible } from '../queries/account-access';
import { accountCommand } from './account-command.execution';
import {
  AccountWriteResult,
  HoldResult,
  toHoldResult,
  toWriteResult,
} from './account-command.results';
import { AccountCommands } from './account.executor';
import {
  CaptureHoldCommand,
  ExpireHoldCommand,
  PlaceHoldCommand,
  ReleaseHoldCommand,
} from './hold.commands';

/**
 * The caller's hold commands. Each checks that the caller may see the account before If-Match
 * is compared, as every account write does. The time of the decision is read here, once per
 * command, so the decisions stay pure.
 */
@CommandHandler(PlaceHoldCommand)
export class PlaceHoldHandler implements ICommandHandler<PlaceHoldCommand> {
  constructor(
    @Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly repository: AccountRepository,
  ) {}

  async execute(command: PlaceHoldCommand): Promise<HoldResult> {
    const { accountId, holdId, amount, reason, context } = command;
    await assertAccountVisible(this.repository, context.scope, accountId);
    const now = new Date();
    const expiresAt =
      command.expiresAt ?? new Date(now.getTime() + DEFAULT_HOLD_DAYS * DAY_MS).toISOString();
    return this.accounts.execute(
      accountCommand(
        accountId,
        context,
        (state) => decidePlaceHold({ accountId, holdId, amount, reason, expiresAt, now }, state),
        toHoldResult(accountId, holdId),
      ),
    );
  }
}

@CommandHandler(CaptureHoldCommand)
export class CaptureHoldHandler implements ICommandHandler<CaptureHoldCommand> {
  constructor(
    @Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly repository: AccountRepository,
  ) {}

  async execute({ accountId, holdId, amount, context }: CaptureHoldCommand): Promise<HoldResult> {
    await assertAccountVisible(this.repository, context.scope, accountId);
    const now = new Date();
    return this.accounts.execute(
      accountCommand(
        accountId,
        context,
        (state) => decideCaptureHold({ accountId, holdId, amount, now }, state),
        toHoldResult(accountId, holdId),
      ),
    );
  }
}

@CommandHandler(ReleaseHoldCommand)
export class ReleaseHoldHandler implements ICommandHandler<ReleaseHoldCommand> {
  constructor(
    @Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly repository: AccountRepository,
  ) {}

  async execute({ accountId, holdId, context }: ReleaseHoldCommand): Promise<HoldResult> {
    await assertAccountVisible(this.repository, context.scope, accountId);
    return this.accounts.execute(
      accountCommand(
        accountId,
        context,
        (state) => decideReleaseHold({ accountId, holdId }, state),
        toHoldResult(accountId, holdId),
      ),
    );
  }
}

/** The hold-expiry process's command: the bank's scope, idempotent by hold and command id. */
@CommandHandler(ExpireHoldCommand)
export class ExpireHoldHandler implements ICommandHandler<ExpireHoldCommand> {
  constructor(@Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands) {}

  execute({ accountId, holdId, context }: ExpireHoldCommand): Promise<AccountWriteResult> {
    return this.accounts.execute({
      streamId: accountStreamId(accountId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) => decideExpireHold({ accountId, holdId }, state),
      result: toWriteResult(accountId),
    });
  }
}
