import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EventStore, NewEvent, ProtectedEventStore } from '../index';
import { openTestDatabase, TestDatabase, testDataSourceOptions } from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';
import { Projection } from '../projections/projection';
import { EventSourcingFeatures, EventSourcingModule, InjectEventStore } from './index';

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

  describe('forFeature', () => {
    const projection = (name: string): Projection => ({
      name,
      eventTypes: ['Counted'],
      tables: [],
      lifecycle: 'async',
      apply: () => Promise.resolve(),
    });

    /** A bounded context of its own: it registers its parts where it is declared. */
    @Module({
      imports: [
        EventSourcingModule.forFeature({
          name: 'counting',
          projections: [projection('counts')],
          processManagers: [
            {
              name: 'count-watcher',
              eventTypes: ['Counted'],
              processId: (event) => event.streamId,
              initialState: () => null,
              onEvent: () => ({ state: null }),
              onRejected: () => ({ state: null }),
              onDeadline: () => ({ state: null }),
            },
          ],
          // Counted v1 {n} -> v2 {n, unit}
          upcasters: [
            { type: 'Counted', fromVersion: 1, upcast: (data) => ({ ...data, unit: 'each' }) },
          ],
          outbox: (event) =>
            event.type === 'Counted'
              ? [{ type: 'counting.counted', schemaVersion: 1, data: { n: 1 } }]
              : [],
        }),
      ],
      providers: [Ledger],
    })
    class CountingModule {}

    @Module({
      imports: [
        EventSourcingModule.forFeature({ name: 'copycat', projections: [projection('counts')] }),
      ],
    })
    class CopycatModule {}

    it("builds the store with every feature's upcasters and outbox mapping", async () => {
      const app = await Test.createTestingModule({
        imports: [typeOrm(), EventSourcingModule.forRoot(), CountingModule],
      }).compile();
      try {
        const { store } = app.get(Ledger);
        const stream = `feature-${randomUUID()}`;
        const append = (event: NewEvent) =>
          store.appendToStream(stream, 'no_stream', [event], { metadata: testMetadata() });
        // The feature's upcaster makes v2 the shape new events are written in.
        await expect(append({ type: 'Counted', data: { n: 1 } })).rejects.toThrow(
          'Counted must be appended in schema version 2, not 1',
        );
        await append({ type: 'Counted', schemaVersion: 2, data: { n: 1, unit: 'each' } });
        const outbox: { type: string }[] = await database.dataSource.query(
          'SELECT type FROM es_outbox WHERE stream_id = $1',
          [stream],
        );
        expect(outbox.map((row) => row.type)).toEqual(['counting.counted']);
        expect(
          app
            .get(EventSourcingFeatures)
            .projections()
            .map((registered) => registered.name),
        ).toEqual(['counts', 'count-watcher']);
      } finally {
        await app.close();
      }
    });

    it('refuses two features that register one projection name (one checkpoint)', async () => {
      const app = await Test.createTestingModule({
        imports: [typeOrm(), EventSourcingModule.forRoot(), CountingModule, CopycatModule],
      }).compile();
      try {
        expect(() => app.get(EventSourcingFeatures).projections()).toThrow(
          'projection counts is registered by counting and by copycat',
        );
      } finally {
        await app.close();
      }
    });
  });
});
