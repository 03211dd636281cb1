import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS, ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountRepository } from '../accounts.repository';
import { AccountEvent } from '../domain/account.events';
import { AccountState, accountStreamId } from '../domain/account.state';
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

type CallerHoldCommand = PlaceHoldCommand | CaptureHoldCommand | ReleaseHoldCommand;

/**
 * The caller's hold commands. Each checks that the caller may see the account before If-Match
 * is compared, as every account write does. The time of the decision is read here, once per
 * command (a re-decision after a conflict sees the same), so the decisions stay pure.
 */
abstract class CallerHoldHandler<C extends CallerHoldCommand> {
  constructor(
    @Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly repository: AccountRepository,
  ) {}

  protected abstract decide(command: C, state: AccountState, now: Date): AccountEvent[];

  async execute(command: C): Promise<HoldResult> {
    const { accountId, holdId, context } = command;
    await assertAccountVisible(this.repository, context.scope, accountId);
    const now = new Date();
    return this.accounts.execute(
      accountCommand(
        accountId,
        context,
        (state) => this.decide(command, state, now),
        toHoldResult(accountId, holdId),
      ),
    );
  }
}

@CommandHandler(PlaceHoldCommand)
export class PlaceHoldHandler
  extends CallerHoldHandler<PlaceHoldCommand>
  implements ICommandHandler<PlaceHoldCommand>
{
  protected decide(command: PlaceHoldCommand, state: AccountState, now: Date): AccountEvent[] {
    const { accountId, holdId, amount, reason } = command;
    const expiresAt =
      command.expiresAt ?? new Date(now.getTime() + DEFAULT_HOLD_DAYS * DAY_MS).toISOString();
    return decidePlaceHold({ accountId, holdId, amount, reason, expiresAt, now }, state);
  }
}

@CommandHandler(CaptureHoldCommand)
export class CaptureHoldHandler
  extends CallerHoldHandler<CaptureHoldCommand>
  implements ICommandHandler<CaptureHoldCommand>
{
  protected decide(command: CaptureHoldCommand, state: AccountState, now: Date): AccountEvent[] {
    const { accountId, holdId, amount } = command;
    return decideCaptureHold({ accountId, holdId, amount, now }, state);
  }
}

@CommandHandler(ReleaseHoldCommand)
export class ReleaseHoldHandler
  extends CallerHoldHandler<ReleaseHoldCommand>
  implements ICommandHandler<ReleaseHoldCommand>
{
  protected decide({ accountId, holdId }: ReleaseHoldCommand, state: AccountState): AccountEvent[] {
    return decideReleaseHold({ accountId, holdId }, state);
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
