import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS } from '../accounts.tokens';
import { decideClose } from '../domain/account.decide';
import { accountStreamId } from '../domain/account.state';
import { AccountWriteResult, toWriteResult } from './account-command.results';
import { AccountCommands } from './account-commands';
import { CloseAccountCommand } from './close-account.command';

@CommandHandler(CloseAccountCommand)
export class CloseAccountHandler implements ICommandHandler<CloseAccountCommand> {
  constructor(@Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands) {}

  execute({ accountId, context }: CloseAccountCommand): Promise<AccountWriteResult> {
    return this.accounts.execute({
      streamId: accountStreamId(accountId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      expectedVersion: context.expectedVersion,
      decide: (state) => decideClose({ accountId }, state),
      result: toWriteResult(accountId),
    });
  }
}
