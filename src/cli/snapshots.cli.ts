import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { DataSource } from 'typeorm';
import {
  AggregateRepository,
  AggregateType,
  EventStore,
  EventUpcasters,
  JsonValue,
  NewEvent,
  SnapshotPolicy,
  Upcaster,
} from '@ledgerline/event-sourcing';
import { PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { loadAppConfig } from '../config/app-config';
import { operatorDatabase, runAsProgram } from './operator-cli';
import { runMigrations } from '../database/run-migrations';
import { typeOrmOptions } from '../database/typeorm-options';
import { accountAggregate, accountSnapshots, accountUpcasters } from '../accounts';

/**
 * Keeps the newest snapshot of a stream, as the event store writes them (the library's
 * WRITE_SNAPSHOT_SQL, which its index does not export): a snapshot at an older version never
 * replaces a newer one, e.g. one a command wrote while the rebuild ran. RETURNING: a row only
 * when this snapshot was written.
 */
const WRITE_SNAPSHOT_SQL = `
INSERT INTO es_snapshots (stream_id, stream_version, schema_version, state)
VALUES ($1, $2, $3, $4::jsonb)
ON CONFLICT (stream_id) DO UPDATE
   SET stream_version = EXCLUDED.stream_version, schema_version = EXCLUDED.schema_version,
       state = EXCLUDED.state, created_at = now()
 WHERE es_snapshots.stream_version <= EXCLUDED.stream_version
RETURNING stream_id`;

/** A snapshotted aggregate type, as this tool sees it. */
interface SnapshotTarget {
  /** Its streams are named `<prefix><id>`. */
  readonly streamPrefix: string;
  /** Every event type's upcasters (the aggregate folds events in their current shape). */
  readonly upcasters: readonly Upcaster[];
  /** The full fold of the stream, without any stored snapshot, as snapshot JSON. */
  fold(
    store: EventStore,
    streamId: string,
  ): Promise<{ version: number; schemaVersion: number; state: JsonValue }>;
}

function snapshotTarget<State, Event extends NewEvent>(
  streamPrefix: string,
  type: AggregateType<State, Event>,
  policy: SnapshotPolicy<State>,
  upcasters: readonly Upcaster[],
): SnapshotTarget {
  return {
    streamPrefix,
    upcasters,
    async fold(store, streamId) {
      // No policy: the stored snapshot is never read, the whole stream is folded.
      const { state, version } = await new AggregateRepository(store, type).load(streamId);
      return { version, schemaVersion: policy.schemaVersion, state: policy.toJson(state) };
    },
  };
}

/** The aggregate types `rebuild` knows, by the name given on the command line. */
export const SNAPSHOT_TARGETS: Readonly<Record<string, SnapshotTarget>> = {
  account: snapshotTarget('account-', accountAggregate, accountSnapshots, accountUpcasters),
};

export interface RebuildSnapshotsResult {
  /** Streams of the aggregate type found. */
  readonly streams: number;
  /** Snapshots written; the others had a newer snapshot already (written meanwhile). */
  readonly written: number;
}

/**
 * Recreates the snapshot of every stream of `aggregate`: folds the whole stream (ignoring the
 * stored snapshot) and writes the state at the stream's version in the current schema.
 * Streams are done one at a time; appends may go on meanwhile (see WRITE_SNAPSHOT_SQL).
 * @throws RangeError for an aggregate type not in SNAPSHOT_TARGETS
 */
export async function rebuildSnapshots(
  dataSource: DataSource,
  aggregate: string,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<RebuildSnapshotsResult> {
  const target = Object.hasOwn(SNAPSHOT_TARGETS, aggregate)
    ? SNAPSHOT_TARGETS[aggregate]
    : undefined;
  if (!target) throw new RangeError(`no snapshotted aggregate "${aggregate}"`);
  const store = new PostgresEventStore(dataSource, {
    upcasters: new EventUpcasters(target.upcasters),
  });
  const streams = await dataSource.query<{ stream_id: string }[]>(
    `SELECT DISTINCT stream_id FROM es_events WHERE starts_with(stream_id, $1) ORDER BY stream_id`,
    [target.streamPrefix],
  );
  onProgress(0, streams.length);
  let written = 0;
  for (const [index, { stream_id: streamId }] of streams.entries()) {
    const { version, schemaVersion, state } = await target.fold(store, streamId);
    const rows = await dataSource.query<unknown[]>(WRITE_SNAPSHOT_SQL, [
      streamId,
      version,
      schemaVersion,
      JSON.stringify(state),
    ]);
    if (rows.length > 0) written++;
    onProgress(index + 1, streams.length);
  }
  return { streams: streams.length, written };
}

const USAGE = `usage: npm run snapshots -- rebuild <aggregate>
  rebuild <aggregate>   recreate the snapshot of every <aggregate> stream from its full fold,
                        in the current snapshot schema (aggregates: ${Object.keys(SNAPSHOT_TARGETS).join(', ')})`;

/** Operator command against DATABASE_URL; the running app instances keep serving meanwhile. */
async function main(args: string[]): Promise<number> {
  const [command, aggregate, ...rest] = args;
  if (
    command !== 'rebuild' ||
    !aggregate ||
    rest.length > 0 ||
    !Object.hasOwn(SNAPSHOT_TARGETS, aggregate)
  ) {
    console.error(USAGE);
    return 2;
  }
  const config = loadAppConfig();
  const database = operatorDatabase(config);
  if (typeof database === 'string') {
    console.error(database);
    return 2;
  }
  await runMigrations(database);
  const dataSource = await new DataSource(typeOrmOptions(database)).initialize();
  try {
    const bar = new SingleBar(
      { format: `${aggregate} snapshots [{bar}] {percentage}% | {value}/{total} streams` },
      Presets.shades_classic,
    );
    bar.start(1, 0);
    let result: RebuildSnapshotsResult;
    try {
      result = await rebuildSnapshots(dataSource, aggregate, (done, total) => {
        bar.setTotal(Math.max(1, total));
        bar.update(done);
      });
    } finally {
      bar.stop();
    }
    const newer = result.streams - result.written;
    console.log(
      `${result.written} ${aggregate} snapshots rebuilt` +
        (newer > 0 ? `; ${newer} left as they were (a newer one was written meanwhile)` : ''),
    );
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

// Only as a program: the int-spec imports rebuildSnapshots from this module.
if (require.main === module) runAsProgram(main);
