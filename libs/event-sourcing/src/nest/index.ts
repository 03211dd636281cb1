/*
 * `@ledgerline/event-sourcing/nest`: the event store in a Nest application, on the
 * DataSource of `@nestjs/typeorm`.
 */
export * from './event-store.token';
export * from './event-sourcing.module';
export * from './event-sourcing-features';
export { discoverRegistrations, registrationModule } from './feature-registrations';
export * from './committed-event';
export * from './durable-events-handlers';
export * from './durable-sagas';
export * from './command-bus-sender';
