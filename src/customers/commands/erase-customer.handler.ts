import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MultiStreamCommandExecutor } from '@ledgerline/event-sourcing';
import { coversCustomer } from '../../auth/principal';
import { DataKeyStore } from '../../personal-data/data-key-store';
import { LookupHash } from '../../personal-data/document-lookup';
import { CUSTOMER_COMMANDS, CUSTOMER_REPOSITORY, DOCUMENT_RESERVATIONS } from '../customers.tokens';
import { decideErase } from '../domain/customer.decide';
import { CustomerNotFoundError } from '../domain/customer.errors';
import { customerStreamId } from '../domain/customer.state';
import { documentReservationStreamId } from '../domain/document-reservation';
import { CustomerWriteResult, toCustomerWriteResult } from './customer-command.results';
import { CustomerRepository, DocumentReservationRepository } from '../customers.repository';
import { EraseCustomerCommand } from './erase-customer.command';
import { ifMatch } from './if-match.expected-versions';

/**
 * Erases a customer's personal data: CustomerErased (and the release of their document
 * number, when they still held it) in one transaction, then their data key is deleted, which
 * leaves every personal field sealed with it unreadable. The key goes after the commit, so a
 * refused or failed erasure loses nothing; should the process stop in between, the
 * customer-summaries projection deletes it when it applies CustomerErased. A repeat finds
 * the customer erased, writes nothing and deletes the (already deleted) key again.
 */
@CommandHandler(EraseCustomerCommand)
export class EraseCustomerHandler implements ICommandHandler<EraseCustomerCommand> {
  constructor(
    @Inject(CUSTOMER_COMMANDS) private readonly commands: MultiStreamCommandExecutor,
    @Inject(CUSTOMER_REPOSITORY) private readonly customers: CustomerRepository,
    @Inject(DOCUMENT_RESERVATIONS) private readonly reservations: DocumentReservationRepository,
    private readonly lookup: LookupHash,
    private readonly keys: DataKeyStore,
  ) {}

  async execute({ customerId, context }: EraseCustomerCommand): Promise<CustomerWriteResult> {
    if (!coversCustomer(context.scope, customerId)) throw new CustomerNotFoundError(customerId);
    const streamId = customerStreamId(customerId);
    let loadedVersion = 0;
    const result = await this.commands.execute({
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      expectedVersions: ifMatch(streamId, context.expectedVersion),
      serializeOn: [streamId],
      decide: async (load) => {
        const customer = await load(this.customers, streamId);
        loadedVersion = customer.version;
        const events = decideErase({ customerId }, customer.state);
        if (events.reservation.length === 0) return [{ streamId, events: events.customer }];
        const number = customer.state.status === 'ACTIVE' ? customer.state.documentNumber : '';
        const reservationStream = documentReservationStreamId(await this.lookup.of(number));
        await load(this.reservations, reservationStream);
        return [
          { streamId, events: events.customer },
          { streamId: reservationStream, events: events.reservation },
        ];
      },
      result: toCustomerWriteResult(customerId, () => loadedVersion),
    });
    await this.keys.erase(customerId.toLowerCase());
    return result;
  }
}
