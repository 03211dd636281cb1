import { coversCustomer } from '../../auth/principal';
import { CustomerNotFoundError } from '../domain/customer.errors';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MultiStreamCommandExecutor } from '@ledgerline/event-sourcing';
import { CUSTOMER_COMMANDS, CUSTOMER_REPOSITORY, DOCUMENT_RESERVATIONS } from '../customers.tokens';
import { decideUnregister } from '../domain/customer.decide';
import { customerStreamId } from '../domain/customer.state';
import { documentReservationStreamId } from '../domain/document-reservation';
import { LookupHash } from '../../personal-data/document-lookup';
import { ifMatch } from './if-match.expected-versions';
import { CustomerWriteResult, toCustomerWriteResult } from './customer-command.results';
import { CustomerRepository, DocumentReservationRepository } from '../customers.repository';
import { UnregisterCustomerCommand } from './unregister-customer.command';

/**
 * Unregisters the customer and releases the document number in one transaction. It writes
 * the customer stream at the version it read, so it cannot commit beside an account opening
 * that linked a new account to that same version (see OpenAccountHandler).
 */
@CommandHandler(UnregisterCustomerCommand)
export class UnregisterCustomerHandler implements ICommandHandler<UnregisterCustomerCommand> {
  constructor(
    @Inject(CUSTOMER_COMMANDS) private readonly commands: MultiStreamCommandExecutor,
    @Inject(CUSTOMER_REPOSITORY) private readonly customers: CustomerRepository,
    @Inject(DOCUMENT_RESERVATIONS) private readonly reservations: DocumentReservationRepository,
    private readonly lookup: LookupHash,
  ) {}

  execute({ customerId, context }: UnregisterCustomerCommand): Promise<CustomerWriteResult> {
    if (!coversCustomer(context.scope, customerId))
      return Promise.reject(new CustomerNotFoundError(customerId));
    const streamId = customerStreamId(customerId);
    return this.commands.execute({
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      expectedVersions: ifMatch(streamId, context.expectedVersion),
      // The reservation stream is known once the customer is loaded: held after a conflict on it.
      serializeOn: [streamId],
      decide: async (load) => {
        const customer = await load(this.customers, streamId);
        const events = decideUnregister({ customerId }, customer.state);
        const documentNumber =
          customer.state.status === 'NONE' || customer.state.status === 'ERASED'
            ? ''
            : customer.state.documentNumber;
        const reservationStream = documentReservationStreamId(await this.lookup.of(documentNumber));
        await load(this.reservations, reservationStream);
        return [
          { streamId, events: events.customer },
          { streamId: reservationStream, events: events.reservation },
        ];
      },
      result: toCustomerWriteResult(customerId, () => 0),
    });
  }
}
