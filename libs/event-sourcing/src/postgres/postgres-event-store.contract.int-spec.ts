import { describeEventStoreContract } from '../testing';
import { openTestDatabase } from '../../test/test-database';
import { PostgresEventStore } from './postgres-event-store';

// The port's promises, as every EventStore keeps them. What only PostgreSQL has (concurrent
// appends, gap-safe reads around transactions in flight, group commit) is proven beside it.
describeEventStoreContract('PostgresEventStore', async () => {
  const database = await openTestDatabase('event_store_contract');
  return { store: new PostgresEventStore(database.dataSource), close: () => database.close() };
});
