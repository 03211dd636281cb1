import { describeEventStoreContract } from '@ledgerline/event-sourcing/testing';
import { InMemoryEventStore } from './in-memory-event-store';

// The fake stands in for PostgresEventStore in specs of what sits above the port: it keeps the
// same contract, or those specs prove nothing.
describeEventStoreContract('InMemoryEventStore', () =>
  Promise.resolve({ store: new InMemoryEventStore(), close: () => Promise.resolve() }),
);
