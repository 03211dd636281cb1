import { Inject } from '@nestjs/common';

/** DI token of the `EventStore` (the book of record) in a Nest application. */
export const EVENT_STORE = Symbol('ledgerline:EventStore');

/** Injects the `EventStore` provided under EVENT_STORE. */
export const InjectEventStore = (): PropertyDecorator & ParameterDecorator => Inject(EVENT_STORE);
