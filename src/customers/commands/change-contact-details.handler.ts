import { coversCustomer } from '../../auth/principal';
import { CustomerNotFoundError } from '../domain/customer.errors';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MultiStreamCommandExecutor } from '@ledgerline/event-sourcing';
import { CUSTOMER_COMMANDS, CUSTOMER_REPOSITORY } from '../customers.tokens';
import { decideChangeContactDetails } from '../domain/customer.decide';
import { customerStreamId } from '../domain/customer.state';
import { ChangeContactDetailsCommand } from './change-contact-details.command';
import { CustomerWriteResult, toCustomerWriteResult } from './customer-command.results';
import { CustomerRepository } from '../customers.repository';
import { ifMatch } from './if-match.expected-versions';

@CommandHandler(ChangeContactDetailsCommand)
export class ChangeContactDetailsHandler implements ICommandHandler<ChangeContactDetailsCommand> {
  constructor(
    @Inject(CUSTOMER_COMMANDS) private readonly commands: MultiStreamCommandExecutor,
    @Inject(CUSTOMER_REPOSITORY) private readonly customers: CustomerRepository,
  ) {}

  execute({
    customerId,
    name,
    email,
    context,
  }: ChangeContactDetailsCommand): Promise<CustomerWriteResult> {
    if (!coversCustomer(context.scope, customerId))
      return Promise.reject(new CustomerNotFoundError(customerId));
    const streamId = customerStreamId(customerId);
    let version = 0;
    return this.commands.execute({
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      expectedVersions: ifMatch(streamId, context.expectedVersion),
      serializeOn: [streamId],
      decide: async (load) => {
        const customer = await load(this.customers, streamId);
        version = customer.version;
        return [
          {
            streamId,
            events: decideChangeContactDetails({ customerId, name, email }, customer.state),
          },
        ];
      },
      result: toCustomerWriteResult(customerId, () => version),
    });
  }
}
