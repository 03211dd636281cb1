import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EventStore, NewEvent, ProtectedEventStore } from '../index';
import { openTestDatabase, TestDatabase, testDataSourceOptions } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';
import { EventSourcingModule, InjectEventStore } from './index';

/** A provider of the application's own that asks for the store by the library's decorator. */
@Injectable()
class Ledger {
  constructor(@InjectEventStore() readonly store: EventStore) {}

  async record(streamId: string, events: readonly NewEvent[]): Promise<number> {
    const appended = await this.store.appendToStream(streamId, 'no_stream', events, {
      metadata: testMetadata(),
    });
    return appended.nextExpectedVersion;
  }
}

describe('EventSourcingModule', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('nest_module');
  });
  afterAll(() => database.close());

  const typeOrm = () =>
    TypeOrmModule.forRoot(
      testDataSourceOptions({ url: database.url, schema: database.schema, poolSize: 2 }),
    );

  it('provides the PostgreSQL event store to any provider that injects it', async () => {
    const app = await Test.createTestingModule({
      imports: [typeOrm(), EventSourcingModule.forRoot()],
      providers: [Ledger],
    }).compile();
    try {
      const ledger = app.get(Ledger);
      const stream = `nest-${randomUUID()}`;
      expect(await ledger.record(stream, [{ type: 'Counted', data: { n: 1 } }])).toBe(1);
      expect((await ledger.store.readStream(stream)).map((event) => event.data)).toEqual([
        { n: 1 },
      ]);
    } finally {
      await app.close();
    }
  });

  it('takes its options from a factory, and can wrap the store', async () => {
    const app = await Test.createTestingModule({
      imports: [
        typeOrm(),
        EventSourcingModule.forRootAsync({
          useFactory: () => ({
            decorate: (store) =>
              new ProtectedEventStore(store, {
                covers: () => false,
                protect: (event) => Promise.resolve(event.data),
                reveal: (event) => Promise.resolve(event.data),
              }),
          }),
        }),
      ],
      providers: [Ledger],
    }).compile();
    try {
      expect(app.get(Ledger).store).toBeInstanceOf(ProtectedEventStore);
      expect(
        await app.get(Ledger).record(`nest-${randomUUID()}`, [{ type: 'Counted', data: {} }]),
      ).toBe(1);
    } finally {
      await app.close();
    }
  });
});
