import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS, ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountRepository } from '../accounts.repository';
import { decideSetOverdraftLimit } from '../domain/account.decide';
import { assertAccountVisible } from '../queries/account-access';
import { accountCommand } from './account-command.execution';
import { OverdraftLimitResult, toOverdraftLimitResult } from './account-command.results';
import { AccountCommands } from './account.executor';
import { SetOverdraftLimitCommand } from './set-overdraft-limit.command';

@CommandHandler(SetOverdraftLimitCommand)
export class SetOverdraftLimitHandler implements ICommandHandler<SetOverdraftLimitCommand> {
  constructor(
    @Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands,
    @Inject(ACCOUNT_REPOSITORY) private readonly repository: AccountRepository,
  ) {}

  async execute({
    accountId,
    limit,
    reason,
    context,
  }: SetOverdraftLimitCommand): Promise<OverdraftLimitResult> {
    // Before If-Match is compared, as for every account write.
    await assertAccountVisible(this.repository, context.scope, accountId);
    return this.accounts.execute(
      accountCommand(
        accountId,
        context,
        (state) => decideSetOverdraftLimit({ accountId, limit, reason }, state),
        toOverdraftLimitResult(accountId),
      ),
    );
  }
}
