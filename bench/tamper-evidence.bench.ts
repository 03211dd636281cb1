/**
 * Tamper evidence's costs besides the append's (append-throughput measures the chain's share
 * of an append): seeds EVENTS account events through the append (many streams per call, few
 * transactions), then measures
 * - the hash alone: es_event_hash over every row, in the database (µs per event);
 * - a checkpoint: writeAuditCheckpoint over the whole log (events/s);
 * - the verification: verifyEventLog of the whole log (chains, then checkpoints), and of one
 *   stream (events/s).
 *   npm run bench -- tamper-evidence     BENCH_TAMPER_EVENTS=200000 BENCH_TAMPER_RUNS=3
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventUpcasters } from '@ledgerline/event-sourcing';
import {
  CheckpointSigner,
  PostgresEventStore,
  verifyEventLog,
  writeAuditCheckpoint,
} from '@ledgerline/event-sourcing/postgres';
import { accountUpcasters } from '../src/accounts/domain/account.upcasters';
import { openBenchSchema, median } from './support/bench-database';
import { depositData, depositMetadata } from './support/event-payload';
import { round } from './support/load-driver';

const EVENTS = Number(process.env.BENCH_TAMPER_EVENTS ?? 200_000);
const RUNS = Number(process.env.BENCH_TAMPER_RUNS ?? 3);
const STREAMS_PER_CALL = 500;
const EVENTS_PER_STREAM = 20;

const HASH_ALL_SQL = `
SELECT count(es_event_hash(previous_hash, stream_id, stream_version, event_id, type,
                           schema_version, data, metadata, occurred_at))::int AS hashed
  FROM es_events`;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1_000 };
}

async function main(): Promise<void> {
  const bench = await openBenchSchema('tamper');
  const { dataSource } = bench;
  try {
    const store = new PostgresEventStore(dataSource, {
      upcasters: new EventUpcasters(accountUpcasters),
      notifyCommits: false,
    });
    const signer = new CheckpointSigner(randomBytes(32));
    const perCall = STREAMS_PER_CALL * EVENTS_PER_STREAM;
    for (let written = 0; written < EVENTS; written += perCall)
      await store.appendToStreams(
        Array.from({ length: STREAMS_PER_CALL }, () => {
          const id = randomUUID();
          return {
            streamId: `account-${id}`,
            expected: 'no_stream' as const,
            events: Array.from({ length: EVENTS_PER_STREAM }, (_, index) => ({
              type: 'MoneyDeposited',
              schemaVersion: 2,
              data: depositData(id, index + 1),
            })),
          };
        }),
        { metadata: depositMetadata() },
      );
    const total = Math.ceil(EVENTS / perCall) * perCall;
    await dataSource.query('ANALYZE es_events');

    const hashing: number[] = [];
    const verifying: number[] = [];
    const streams: number[] = [];
    let checkpointSeconds = 0;
    for (let covered = 0; covered < total;) {
      const { value, seconds } = await timed(() => writeAuditCheckpoint(dataSource, signer, total));
      checkpointSeconds += seconds;
      if (typeof value === 'object') covered = value.events;
    }
    const [one] = await dataSource.query<{ stream_id: string }[]>(
      'SELECT stream_id FROM es_events LIMIT 1',
    );
    for (let run = 0; run < RUNS; run++) {
      hashing.push((await timed(() => dataSource.query(HASH_ALL_SQL))).seconds);
      const whole = await timed(() => verifyEventLog(dataSource, signer));
      if (!whole.value.verified || whole.value.events !== total)
        throw new Error(`the log did not verify: ${JSON.stringify(whole.value)}`);
      verifying.push(whole.seconds);
      const stream = await timed(() =>
        verifyEventLog(dataSource, signer, { streamId: one.stream_id }),
      );
      streams.push(stream.seconds);
    }
    console.log(`\nTamper evidence over ${total} events (median of ${RUNS} runs):`);
    console.table([
      {
        'es_event_hash µs/event': round((median(hashing) / total) * 1e6, 2),
        'checkpoint ev/s': round(total / checkpointSeconds),
        'verify whole log ev/s': round(total / median(verifying)),
        'verify whole log s': round(median(verifying), 2),
        [`verify one stream (${EVENTS_PER_STREAM} events) ms`]: round(median(streams) * 1_000, 1),
      },
    ]);
  } finally {
    await bench.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
