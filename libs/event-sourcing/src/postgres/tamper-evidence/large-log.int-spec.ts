import { randomBytes, randomUUID } from 'node:crypto';
import { NewEvent } from '../../core/event';
import { PostgresEventStore } from '../postgres-event-store';
import { openTestDatabase, TestDatabase } from '../../../test/test-database';
import { waitForLogHorizon } from '../../../test/log-horizon';
import { testMetadata } from '../../../test/test-metadata';
import { CheckpointSigner, verifyEventLog, writeAuditCheckpoint } from './index';

const EVENTS = 100_000;
const STREAMS_PER_APPEND = 1_000;
const EVENTS_PER_STREAM = 10;

let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('tamper_evidence_large');
});
afterAll(() => database.close());

it('an untouched log of 100 000 events, written by the append, verifies', async () => {
  const store = new PostgresEventStore(database.dataSource);
  const signer = new CheckpointSigner(randomBytes(32));
  const events: NewEvent[] = Array.from({ length: EVENTS_PER_STREAM }, (_, n) => ({
    type: 'Counted',
    data: { n, text: 'ünïcödé "quoted" \\ and a number 1.50', nested: { z: 1, a: [true, null] } },
  }));
  // Ten transactions of a thousand streams each, ten events per stream.
  for (let written = 0; written < EVENTS; written += STREAMS_PER_APPEND * EVENTS_PER_STREAM)
    await store.appendToStreams(
      Array.from({ length: STREAMS_PER_APPEND }, () => ({
        streamId: `large-${randomUUID()}`,
        expected: 'no_stream' as const,
        events,
      })),
      { metadata: testMetadata() },
    );
  await waitForLogHorizon(database.dataSource);
  for (let covered = 0; covered < EVENTS;) {
    const checkpoint = await writeAuditCheckpoint(database.dataSource, signer, 40_000);
    if (typeof checkpoint !== 'object') throw new Error(`no checkpoint: ${checkpoint}`);
    covered = checkpoint.events;
  }

  const result = await verifyEventLog(database.dataSource, signer);

  expect(result).toEqual({ verified: true, events: EVENTS, checkpoints: 3 });
}, 120_000);
