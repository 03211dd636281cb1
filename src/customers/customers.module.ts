import { Module } from '@nestjs/common';
import {
  AggregateRepository,
  CommandObserver,
  EventStore,
  MultiStreamCommandExecutor,
} from '@ledgerline/event-sourcing';
import { EVENT_STORE } from '../database/database.tokens';
import { OPTIONAL_COMMAND_OBSERVER } from '../observability/metrics/metrics.tokens';
import { ChangeContactDetailsHandler } from './commands/change-contact-details.handler';
import { RegisterCustomerHandler } from './commands/register-customer.handler';
import { UnregisterCustomerHandler } from './commands/unregister-customer.handler';
import { CUSTOMER_COMMANDS, CUSTOMER_REPOSITORY, DOCUMENT_RESERVATIONS } from './customers.tokens';
import { customerAggregate } from './domain/customer.state';
import { documentReservationAggregate } from './domain/document-reservation';
import { CustomersController } from './http/customers.controller';
import { GetCustomerHandler } from './queries/get-customer.handler';
import { ListCustomersHandler } from './queries/list-customers.handler';

const CommandHandlers = [
  RegisterCustomerHandler,
  ChangeContactDetailsHandler,
  UnregisterCustomerHandler,
];
const QueryHandlers = [GetCustomerHandler, ListCustomersHandler];

/** The customers bounded context: registration with unique document numbers. */
@Module({
  controllers: [CustomersController],
  providers: [
    ...CommandHandlers,
    ...QueryHandlers,
    {
      provide: CUSTOMER_REPOSITORY,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new AggregateRepository(store, customerAggregate),
    },
    {
      provide: DOCUMENT_RESERVATIONS,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) =>
        new AggregateRepository(store, documentReservationAggregate),
    },
    {
      provide: CUSTOMER_COMMANDS,
      inject: [EVENT_STORE, OPTIONAL_COMMAND_OBSERVER],
      useFactory: (store: EventStore, observer?: CommandObserver) =>
        new MultiStreamCommandExecutor(store, { observer }),
    },
  ],
})
export class CustomersModule {}
