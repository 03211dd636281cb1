import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MultiStreamCommandExecutor } from '@ledgerline/event-sourcing';
import { customerStreamId, decideUnlinkAccount } from '../../customers';
import {
  ACCOUNT_CUSTOMER_COMMANDS,
  ACCOUNT_REPOSITORY,
  CUSTOMER_REPOSITORY_FOR_ACCOUNTS,
} from '../accounts.tokens';
import { decideClose } from '../domain/account.decide';
import { accountStreamId } from '../domain/account.state';
import { assertAccountInScope, assertAccountVisible } from '../queries/account-access';
import { AccountRepository, CustomerLinks } from '../accounts.repository';
import { AccountWriteResult, toAccountWriteResult } from './account-command.results';
import { CloseAccountCommand } from './close-account.command';

/** Closes the account and unlinks it from its customer (who may then unregister). */
@CommandHandler(CloseAccountCommand)
export class CloseAccountHandler implements ICommandHandler<CloseAccountCommand> {
  constructor(
    @Inject(ACCOUNT_CUSTOMER_COMMANDS) private readonly commands: MultiStreamCommandExecutor,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
    @Inject(CUSTOMER_REPOSITORY_FOR_ACCOUNTS) private readonly customers: CustomerLinks,
  ) {}

  async execute({ accountId, context }: CloseAccountCommand): Promise<AccountWriteResult> {
    // Before If-Match is compared: a version conflict must not reveal another's account.
    await assertAccountVisible(this.accounts, context.scope, accountId);
    const accountStream = accountStreamId(accountId);
    let version = 0;
    return this.commands.execute({
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      expectedVersions:
        context.expectedVersion === undefined
          ? undefined
          : { [accountStream]: context.expectedVersion },
      // The customer's stream is known once the account is loaded: held after a conflict on it.
      serializeOn: [accountStream],
      decide: async (load) => {
        const account = await load(this.accounts, accountStream);
        assertAccountInScope(context.scope, accountId, account.state);
        version = account.version;
        const closed = decideClose({ accountId }, account.state);
        if (account.state.status === 'NONE') return [];
        const customerId = account.state.customerId;
        const customer = await load(this.customers, customerStreamId(customerId));
        return [
          { streamId: accountStream, events: closed },
          {
            streamId: customerStreamId(customerId),
            events: decideUnlinkAccount({ customerId, accountId }, customer.state),
          },
        ];
      },
      result: toAccountWriteResult(accountId, () => version),
    });
  }
}
