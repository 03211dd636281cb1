import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS } from '../accounts.tokens';
import { decideOpenAccount } from '../domain/account.decide';
import { accountStreamId } from '../domain/account.state';
import { AccountWriteResult, toWriteResult } from './account-command.results';
import { AccountCommands } from './account-commands';
import { OpenAccountCommand } from './open-account.command';

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(@Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands) {}

  execute({
    accountId,
    customerId,
    currency,
    context,
  }: OpenAccountCommand): Promise<AccountWriteResult> {
    return this.accounts.execute({
      streamId: accountStreamId(accountId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) => decideOpenAccount({ accountId, customerId, currency }, state),
      result: toWriteResult(accountId),
    });
  }
}
