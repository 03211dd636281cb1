import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MultiStreamCommandExecutor } from '@ledgerline/event-sourcing';
import { CUSTOMER_COMMANDS, CUSTOMER_REPOSITORY, DOCUMENT_RESERVATIONS } from '../customers.tokens';
import { decideRegister } from '../domain/customer.decide';
import { customerStreamId } from '../domain/customer.state';
import { normaliseDocumentNumber } from '../domain/document-number';
import { documentReservationStreamId } from '../domain/document-reservation';
import { LookupHash } from '../../personal-data/document-lookup';
import { CustomerRepository, DocumentReservationRepository } from '../customers.repository';
import { CustomerWriteResult, toCustomerWriteResult } from './customer-command.results';
import { RegisterCustomerCommand } from './register-customer.command';

/** Registers the customer and reserves the document number in one transaction. */
@CommandHandler(RegisterCustomerCommand)
export class RegisterCustomerHandler implements ICommandHandler<RegisterCustomerCommand> {
  constructor(
    @Inject(CUSTOMER_COMMANDS) private readonly commands: MultiStreamCommandExecutor,
    @Inject(CUSTOMER_REPOSITORY) private readonly customers: CustomerRepository,
    @Inject(DOCUMENT_RESERVATIONS) private readonly reservations: DocumentReservationRepository,
    private readonly lookup: LookupHash,
  ) {}

  async execute({
    customerId,
    name,
    email,
    documentNumber,
    context,
  }: RegisterCustomerCommand): Promise<CustomerWriteResult> {
    const normalised = normaliseDocumentNumber(documentNumber);
    const customerStream = customerStreamId(customerId);
    const reservationStream = documentReservationStreamId(await this.lookup.of(normalised));
    return this.commands.execute({
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      serializeOn: [customerStream, reservationStream],
      decide: async (load) => {
        const customer = await load(this.customers, customerStream);
        const reservation = await load(this.reservations, reservationStream);
        const events = decideRegister(
          { customerId, name, email, documentNumber: normalised },
          customer.state,
          reservation.state,
        );
        return [
          { streamId: customerStream, events: events.customer },
          { streamId: reservationStream, events: events.reservation },
        ];
      },
      result: toCustomerWriteResult(customerId, () => 0),
    });
  }
}
