import { DataSource, QueryRunner } from 'typeorm';
import { LogPosition, NewEvent, RecordedEvent } from '../core/event';
import {
  AppendOptions,
  AppendResult,
  CommandAppend,
  EventStore,
  MultiStreamAppendOptions,
  MultiStreamAppendResult,
  ReadStreamOptions,
  SnapshotWrite,
  StoredSnapshot,
  StreamAppend,
} from '../core/event-store.port';
import { EventUpcasters, NO_UPCASTERS } from '../core/upcasting';
import { assertValidExpectedVersion, ExpectedVersion } from '../core/expected-version';
import { JsonValue } from '../core/json';
import { IntegrationEventMapper } from '../outbox/outbox-message';
import { Projection } from '../projections/projection';
import { notifyObserver } from '../core/notify-observer';
import { AppendObserver } from './append-observer';
import {
  AfterEvents,
  AppendPart,
  AppendWriter,
  queryRunnerConnection,
  AppendWrite,
} from './append-writer';
import { BatchAppender } from './batch-appender';
import type { AppendRoundTrips } from './batch-transaction';
import { CommitNotifier, PostgresCommitNotifier } from './postgres-commit-notifier';
import { GroupCommit, GroupCommitOptions } from './group-commit';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';
import { EventRow, MAX_STREAM_VERSION, toRecordedEvent } from './sql/event-row';
import { READ_ALL_SQL } from './sql/read-all.sql';
import { READ_SNAPSHOT_SQL } from './sql/snapshots.sql';
import { READ_STREAM_SQL } from './sql/read-stream.sql';
import { FIND_COMMAND_SQL } from './sql/record-command.sql';

export type { AppendRoundTrips } from './batch-transaction';

export interface PostgresEventStoreOptions {
  /**
   * Projections applied inside every append transaction (strongly consistent read models;
   * an error in one rolls the append back).
   */
  readonly inlineProjections?: readonly Projection[];
  /**
   * Maps appended events to integration events, written to the outbox (`es_outbox`) in the
   * append transaction; an error in it rolls the append back. Default: no outbox rows.
   */
  readonly outbox?: IntegrationEventMapper;
  /**
   * Upcasters applied on every read (readStream, readAll), so readers only ever see the
   * current shape; appending an event in an older schema version is refused. Default: none.
   */
  readonly upcasters?: EventUpcasters;
  /** Called after each append of `appendToStream` committed (wakes in-process workers). */
  readonly afterCommit?: (appended: AppendResult) => void;
  /**
   * Wake other processes after each commit: a coalesced NOTIFY on EVENTS_CHANNEL, which their
   * PostgresCoordinator LISTENs to (PostgresCommitNotifier). Default true; false on a database
   * without LISTEN across sessions (the embedded PGlite). Without it, other processes see new
   * events only at their next poll. `onNotifyError` hears of a NOTIFY that failed.
   */
  readonly notifyCommits?: boolean;
  readonly onNotifyError?: (error: unknown) => void;
  /**
   * The notifier to use instead of a PostgresCommitNotifier on the DataSource's pool: one
   * with a session of its own, which its owner closes. `notifyCommits: false` still wins.
   */
  readonly commitNotifier?: CommitNotifier;
  /**
   * Group commit of `appendToStream` (see GroupCommit): default 2 batches in flight of up
   * to 64 appends. Not used with inline projections (each append then has a transaction).
   */
  readonly groupCommit?: GroupCommitOptions;
  /**
   * Named prepared statements for the append, default true: the group commit's transaction
   * then takes two round trips instead of four (BatchTransaction). Turn off for a server whose
   * connections share one session (the embedded PGlite socket); left on there, a statement
   * another connection of the session prepared is used as it is.
   */
  readonly preparedStatements?: boolean;
  /**
   * The round trips of a group commit's transaction, with prepared statements. 2 (default):
   * BEGIN travels with the append and COMMIT with the records, the values inside the
   * statements' text (BatchTransaction). 4: BEGIN, the append, the records and COMMIT apart,
   * the values as bind parameters. Take 4 where the server's log must not show event data
   * (PostgreSQL logs a failing statement's text, `log_min_error_statement`, and shows the
   * last one in `pg_stat_activity`), or behind a pooler in transaction mode, which does not
   * keep a session's SQL-prepared statements.
   */
  readonly appendRoundTrips?: AppendRoundTrips;
  /**
   * Hears of each group-commit and multi-stream append transaction: its appends, events,
   * duration and whether it committed (metrics). Default none.
   */
  readonly appendObserver?: AppendObserver;
}

const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxInFlight: 2, maxBatch: 64 };

/**
 * The PostgreSQL event store on a TypeORM DataSource. Each append is one transaction:
 * the events (first write), inline projections, outbox rows, then the command record.
 * Schema: `eventStoreMigrations`.
 */
export class PostgresEventStore implements EventStore {
  private readonly inline: readonly Projection[];
  private readonly afterCommit: (appended: AppendResult) => void;
  private readonly upcasters: EventUpcasters;
  private readonly writer: AppendWriter;
  private readonly groupCommit: GroupCommit<AppendWrite, AppendResult[]>;
  private readonly appendObserver?: AppendObserver;

  constructor(
    private readonly dataSource: DataSource,
    options: PostgresEventStoreOptions = {},
  ) {
    this.inline = (options.inlineProjections ?? []).filter((p) => p.lifecycle === 'inline');
    const afterCommit = options.afterCommit ?? (() => undefined);
    const notifier =
      options.notifyCommits === false
        ? undefined
        : (options.commitNotifier ?? new PostgresCommitNotifier(dataSource, options.onNotifyError));
    this.afterCommit = (appended) => {
      afterCommit(appended);
      notifier?.notifyCommitted();
    };
    this.upcasters = options.upcasters ?? NO_UPCASTERS;
    this.writer = new AppendWriter(options.outbox, options.preparedStatements ?? true);
    const appender = new BatchAppender(
      dataSource,
      this.writer,
      options.appendObserver,
      options.appendRoundTrips,
    );
    this.appendObserver = options.appendObserver;
    this.groupCommit = new GroupCommit(options.groupCommit ?? DEFAULT_GROUP_COMMIT, (items) =>
      appender.write(items),
    );
  }

  /**
   * Group-committed with the appends of other streams that arrive meanwhile (one transaction
   * for many; each append still succeeds or fails alone, atomically with its outbox rows,
   * command record and snapshot).
   */
  async appendToStream(
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const appended =
      this.inline.length > 0
        ? await runInTransaction(this.dataSource, (queryRunner) =>
            this.appendInTransaction(queryRunner, streamId, expected, events, options),
          )
        : (
            await this.submit(
              streamId,
              expected,
              [{ events, metadata: options.metadata, command: options.command }],
              options.snapshot,
            )
          )[0];
    this.afterCommit(appended);
    return appended;
  }

  async appendCommands(
    streamId: string,
    expected: ExpectedVersion,
    commands: readonly CommandAppend[],
    snapshot?: SnapshotWrite,
  ): Promise<AppendResult[]> {
    if (this.inline.length > 0)
      throw new Error('appendCommands is not supported with inline projections');
    const appended = await this.submit(streamId, expected, commands, snapshot);
    this.afterCommit(appended[appended.length - 1]);
    return appended;
  }

  private submit(
    streamId: string,
    expected: ExpectedVersion,
    parts: readonly AppendPart[],
    snapshot: SnapshotWrite | undefined,
  ): Promise<AppendResult[]> {
    if (parts.length === 0)
      throw new RangeError(`append to ${streamId} needs at least one command`);
    if (parts.some((part) => part.events.length === 0))
      throw new RangeError(`every command appended to ${streamId} needs at least one event`);
    this.checkAppends([{ streamId, expected, events: parts.flatMap((part) => part.events) }]);
    return this.groupCommit.submit({ key: streamId, streamId, expected, parts, snapshot });
  }

  private checkAppends(appends: readonly StreamAppend[]): void {
    assertValidAppends(appends);
    for (const { events } of appends)
      for (const event of events) {
        const current = this.upcasters.currentVersion(event.type);
        if ((event.schemaVersion ?? 1) !== current)
          throw new RangeError(
            `${event.type} must be appended in schema version ${current}, not ${event.schemaVersion ?? 1}`,
          );
      }
  }

  async appendToStreams(
    appends: readonly StreamAppend[],
    options: MultiStreamAppendOptions,
  ): Promise<MultiStreamAppendResult> {
    this.checkAppends(appends);
    const started = performance.now();
    let appended: MultiStreamAppendResult | undefined;
    try {
      appended = await runInTransaction(this.dataSource, async (queryRunner) => {
        const { command } = options;
        const written = await this.writer.writeAll(
          queryRunnerConnection(queryRunner),
          appends.map(({ streamId, expected, events }) => ({
            key: streamId,
            streamId,
            expected,
            parts: [{ events, metadata: options.metadata }],
          })),
          {
            command: command && {
              id: command.id,
              result: (streams) => command.result(multiStreamResult(streams)),
            },
            afterEvents: this.inlineIn(queryRunner),
          },
        );
        const result = multiStreamResult(written.streams.map(([stream]) => stream));
        return written.commandResult === undefined
          ? result
          : { ...result, commandResult: written.commandResult };
      });
    } finally {
      const written = appended;
      notifyObserver(this.appendObserver, (o) =>
        o.transactionWritten?.({
          kind: 'multi-stream',
          appends: appends.length,
          events: written ? written.streams.reduce((sum, s) => sum + s.events.length, 0) : 0,
          durationMs: performance.now() - started,
          committed: written !== undefined,
        }),
      );
    }
    this.afterCommit(appended.streams[appended.streams.length - 1]);
    return appended;
  }

  /**
   * The append inside a transaction the caller owns. The caller must not have written
   * anything before it in that transaction (AppendNotFirstWriteError otherwise). Neither
   * `afterCommit` nor the NOTIFY runs: the store does not see the commit.
   */
  async appendInTransaction(
    queryRunner: QueryRunner,
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.checkAppends([{ streamId, expected, events }]);
    const written = await this.writer.writeAll(
      queryRunnerConnection(queryRunner),
      [
        {
          key: streamId,
          streamId,
          expected,
          parts: [{ events, metadata: options.metadata, command: options.command }],
          snapshot: options.snapshot,
        },
      ],
      { afterEvents: this.inlineIn(queryRunner) },
    );
    return written.streams[0][0];
  }

  /** Inline projections see the events after their insert, in the same transaction. */
  private inlineIn(queryRunner: QueryRunner): AfterEvents | undefined {
    if (this.inline.length === 0) return undefined;
    return async (events: readonly RecordedEvent[]) => {
      for (const projection of this.inline) {
        const relevant = events.filter((event) => projection.eventTypes.includes(event.type));
        if (relevant.length > 0)
          await projection.apply(relevant, projectionTransaction(queryRunner));
      }
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows: EventRow[] = await this.dataSource.query(READ_STREAM_SQL, [
      streamId,
      options.fromVersion ?? 1,
      options.toVersion ?? MAX_STREAM_VERSION,
      options.occurredAtOrBefore?.toISOString() ?? null,
    ]);
    return rows.map((row) => this.upcasters.upcast(toRecordedEvent(row)));
  }

  async readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]> {
    const rows: EventRow[] = await this.dataSource.query(READ_ALL_SQL, [
      after.transactionId.toString(),
      after.globalPosition.toString(),
      limit,
    ]);
    return rows.map((row) => this.upcasters.upcast(toRecordedEvent(row)));
  }

  upcast(event: RecordedEvent): Promise<RecordedEvent> {
    return Promise.resolve(this.upcasters.upcast(event));
  }

  async readSnapshot(streamId: string): Promise<StoredSnapshot | undefined> {
    const rows = await this.dataSource.query<
      { stream_version: number; schema_version: number; state: JsonValue }[]
    >(READ_SNAPSHOT_SQL, [streamId]);
    if (rows.length === 0) return undefined;
    const [row] = rows;
    return {
      streamVersion: row.stream_version,
      schemaVersion: row.schema_version,
      state: row.state,
    };
  }

  async findCommandResult(commandId: string): Promise<JsonValue | undefined> {
    const rows: { result: JsonValue }[] = await this.dataSource.query(FIND_COMMAND_SQL, [
      commandId,
    ]);
    return rows.length > 0 ? rows[0].result : undefined;
  }
}

/** Refuses appends that cannot be meant: none, an empty one, a stream named twice. */
function assertValidAppends(appends: readonly StreamAppend[]): void {
  if (appends.length === 0) throw new RangeError('append needs at least one stream');
  const seen = new Set<string>();
  for (const append of appends) {
    assertValidExpectedVersion(append.expected);
    if (append.events.length === 0)
      throw new RangeError(`append to ${append.streamId} needs at least one event`);
    if (seen.has(append.streamId))
      throw new RangeError(`stream ${append.streamId} appears twice in one append`);
    seen.add(append.streamId);
  }
}

/** One result for the streams of a multi-stream append: the last position is the latest. */
function multiStreamResult(streams: readonly AppendResult[]): MultiStreamAppendResult {
  const lastPosition = streams.reduce(
    (latest, stream) =>
      stream.lastPosition.globalPosition > latest.globalPosition ? stream.lastPosition : latest,
    streams[streams.length - 1].lastPosition,
  );
  return { streams, lastPosition };
}
