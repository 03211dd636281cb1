// The public surface of the customers context: the only file other contexts may import.
export { CustomersModule } from './customers.module';
export { customerAggregate, customerStreamId } from './domain/customer.state';
export type { CustomerState } from './domain/customer.state';
export type { CustomerEvent } from './domain/customer.events';
export { decideLinkAccount, decideUnlinkAccount } from './domain/customer.decide';
export { CustomerNotFoundError } from './domain/customer.errors';
export { customerPersonalFields } from './domain/customer.personal-data';
export {
  documentReservationStreamId,
  PLAIN_RESERVATION_STREAMS_SQL,
} from './domain/document-reservation';
