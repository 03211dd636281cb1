import { Module } from '@nestjs/common';
import { EventSourcingModule } from '@ledgerline/event-sourcing/nest';
import { PersonalDataModule } from '../personal-data/personal-data.module';
import { customerPersonalFields } from './domain/customer.personal-data';
import { customerProjections } from './projections';
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
import { EraseCustomerHandler } from './commands/erase-customer.handler';
import { CUSTOMER_COMMANDS, CUSTOMER_REPOSITORY, DOCUMENT_RESERVATIONS } from './customers.tokens';
import { customerAggregate } from './domain/customer.state';
import { documentReservationAggregate } from './domain/document-reservation';
import { CustomerPersonalDataController } from './http/customer-personal-data.controller';
import { CustomersController } from './http/customers.controller';
import { ExportPersonalDataHandler } from './queries/export-personal-data.handler';
import { GetCustomerHandler } from './queries/get-customer.handler';
import { ListCustomersHandler } from './queries/list-customers.handler';
import { PlainReservationsCheck } from './plain-reservations.check';

const CommandHandlers = [
  RegisterCustomerHandler,
  ChangeContactDetailsHandler,
  UnregisterCustomerHandler,
  EraseCustomerHandler,
];
const QueryHandlers = [GetCustomerHandler, ListCustomersHandler, ExportPersonalDataHandler];

/** The customers bounded context: registration with unique document numbers. */
@Module({
  imports: [
    EventSourcingModule.forFeature({ name: 'customers', projections: customerProjections }),
    PersonalDataModule.forFeature(customerPersonalFields),
  ],
  controllers: [CustomersController, CustomerPersonalDataController],
  providers: [
    ...CommandHandlers,
    ...QueryHandlers,
    PlainReservationsCheck,
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
