import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from './';
import {
  migrateTestDatabase,
  startEmbeddedDatabaseProcess,
  testDataSourceOptions,
} from '../../test/test-database';
import { testMetadata } from '../../test/test-metadata';

const metadata = testMetadata;

/**
 * The embedded PGlite socket runs every connection on one backend session, so a statement
 * name prepared on one connection already exists for the next: the store's named append
 * statements must not break appends there (found in review: after the pool's idle timeout
 * closed the only connection, every later append failed with 42P05).
 */
describe('PostgresEventStore on the embedded database (one session behind every connection)', () => {
  let stop: () => Promise<void>;
  let dataSource: DataSource;

  beforeAll(async () => {
    const embedded = await startEmbeddedDatabaseProcess();
    stop = embedded.stop;
    const settings = { url: embedded.url, schema: 'public', poolSize: 1 };
    await migrateTestDatabase(settings);
    const options = testDataSourceOptions(settings);
    // A short idle timeout: the next append comes on a new connection of the same session.
    const extra: unknown = options.extra;
    dataSource = await new DataSource({
      ...options,
      extra: { ...(extra as Record<string, unknown>), idleTimeoutMillis: 50 },
    }).initialize();
  }, 60_000);
  afterAll(async () => {
    await dataSource?.destroy();
    await stop?.();
  });

  it.each([
    ['left on (a statement the session already holds is used as it is)', undefined],
    ['turned off, as the app does for the embedded database', false],
  ])(
    'appends across reconnections with prepared statements %s',
    async (_, preparedStatements) => {
      const store = new PostgresEventStore(dataSource, { preparedStatements });
      const streamId = `embedded-${randomUUID()}`;
      for (let version = 0; version < 3; version++) {
        await store.appendToStream(streamId, version, [{ type: 'Counted', data: { version } }], {
          metadata: metadata(),
          command: { id: randomUUID(), result: (done) => ({ version: done.nextExpectedVersion }) },
        });
        await sleep(150); // the pool closes its idle connection meanwhile
      }
      expect((await store.readStream(streamId)).map((event) => event.streamVersion)).toEqual([
        1, 2, 3,
      ]);
    },
    30_000,
  );
});
