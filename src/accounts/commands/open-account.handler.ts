import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MultiStreamCommandExecutor } from '@ledgerline/event-sourcing';
import { coversCustomer } from '../../auth/principal';
import { CustomerNotFoundError, customerStreamId, decideLinkAccount } from '../../customers';
import {
  ACCOUNT_CUSTOMER_COMMANDS,
  ACCOUNT_REPOSITORY,
  CUSTOMER_REPOSITORY_FOR_ACCOUNTS,
} from '../accounts.tokens';
import { decideOpenAccount } from '../domain/account.decide';
import { accountStreamId } from '../domain/account.state';
import { AccountRepository, CustomerLinks } from '../accounts.repository';
import { AccountWriteResult, toAccountWriteResult } from './account-command.results';
import { OpenAccountCommand } from './open-account.command';

/**
 * Opens the account and links it to its customer in one transaction. The link is written to
 * the customer's stream at the version the "customer is active" check read, so an
 * unregistration that commits first makes this append conflict and be re-decided (then
 * refused with CUSTOMER_NOT_FOUND): never an open account for an unregistered customer.
 */
@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(
    @Inject(ACCOUNT_CUSTOMER_COMMANDS) private readonly commands: MultiStreamCommandExecutor,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
    @Inject(CUSTOMER_REPOSITORY_FOR_ACCOUNTS) private readonly customers: CustomerLinks,
  ) {}

  execute({
    accountId,
    customerId,
    currency,
    context,
  }: OpenAccountCommand): Promise<AccountWriteResult> {
    // A customer opens accounts for themselves only; anyone else is "not found" to them.
    if (!coversCustomer(context.scope, customerId)) throw new CustomerNotFoundError(customerId);
    const accountStream = accountStreamId(accountId);
    const customerStream = customerStreamId(customerId);
    return this.commands.execute({
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      // Openings for one customer queue in this process instead of conflicting.
      serializeOn: [customerStream, accountStream],
      decide: async (load) => {
        const customer = await load(this.customers, customerStream);
        const link = decideLinkAccount({ customerId, accountId }, customer.state);
        const account = await load(this.accounts, accountStream);
        return [
          {
            streamId: accountStream,
            events: decideOpenAccount({ accountId, customerId, currency }, account.state),
          },
          { streamId: customerStream, events: link },
        ];
      },
      result: toAccountWriteResult(accountId, () => 0),
    });
  }
}
