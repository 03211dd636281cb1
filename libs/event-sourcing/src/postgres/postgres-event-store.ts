import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import {
  AppendNotFirstWriteError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { EventMetadata, LogPosition, NewEvent, RecordedEvent } from '../core/event';
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
import {
  assertValidExpectedVersion,
  ExpectedVersion,
  satisfiesExpectedVersion,
} from '../core/expected-version';
import { JsonValue } from '../core/json';
import { IntegrationEventMapper } from '../outbox/outbox-message';
import { Projection } from '../projections/projection';
import { notifyObserver } from '../core/notify-observer';
import { translateAppendError } from './append-errors';
import { AppendObserver } from './append-observer';
import { AppendPart, BatchAppender, BatchedAppend } from './batch-appender';
import { PostgresCommitNotifier } from './postgres-commit-notifier';
import { GroupCommit, GroupCommitOptions } from './group-commit';
import { outboxRows } from './outbox-rows';
import { pgErrorDetails, UNIQUE_VIOLATION } from './pg-errors';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';
import { APPEND_DIAGNOSIS_SQL, APPEND_EVENTS_SQL } from './sql/append-events.sql';
import { EventRow, toRecordedEvent } from './sql/event-row';
import { INSERT_OUTBOX_SQL } from './sql/outbox.sql';
import { READ_ALL_SQL } from './sql/read-all.sql';
import { READ_SNAPSHOT_SQL, WRITE_SNAPSHOT_SQL } from './sql/snapshots.sql';
import { READ_STREAM_SQL } from './sql/read-stream.sql';
import { FIND_COMMAND_SQL, RECORD_COMMAND_SQL } from './sql/record-command.sql';

const MAX_VERSION = 2_147_483_647; // stream_version is a PostgreSQL integer

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
   * Group commit of `appendToStream` (see GroupCommit): default 2 batches in flight of up
   * to 64 appends. Not used with inline projections (each append then has a transaction).
   */
  readonly groupCommit?: GroupCommitOptions;
  /**
   * Named prepared statements for the append, default true. Turn off for a server whose
   * connections share one session (the embedded PGlite socket); it is also turned off by
   * itself when the server reports a name prepared by another connection.
   */
  readonly preparedStatements?: boolean;
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
  private readonly outbox?: IntegrationEventMapper;
  private readonly afterCommit: (appended: AppendResult) => void;
  private readonly upcasters: EventUpcasters;
  private readonly groupCommit: GroupCommit<BatchedAppend, AppendResult[]>;
  private readonly appendObserver?: AppendObserver;

  constructor(
    private readonly dataSource: DataSource,
    options: PostgresEventStoreOptions = {},
  ) {
    this.inline = (options.inlineProjections ?? []).filter((p) => p.lifecycle === 'inline');
    this.outbox = options.outbox;
    const afterCommit = options.afterCommit ?? (() => undefined);
    const notifier =
      options.notifyCommits === false
        ? undefined
        : new PostgresCommitNotifier(dataSource, options.onNotifyError);
    this.afterCommit = (appended) => {
      afterCommit(appended);
      notifier?.notifyCommitted();
    };
    this.upcasters = options.upcasters ?? NO_UPCASTERS;
    const appender = new BatchAppender(
      () => this.pool(),
      this.outbox,
      options.preparedStatements ?? true,
      options.appendObserver,
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

  /** The DataSource's pg pool: the group commit uses named statements, which TypeORM lacks. */
  private pool(): Pool {
    const driver: unknown = this.dataSource.driver;
    const master: unknown =
      typeof driver === 'object' && driver !== null && 'master' in driver
        ? driver.master
        : undefined;
    if (!(master instanceof Pool))
      throw new Error('PostgresEventStore needs a TypeORM postgres DataSource, initialised');
    return master;
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
    const started = performance.now();
    let appended: MultiStreamAppendResult | undefined;
    try {
      appended = await runInTransaction(this.dataSource, async (queryRunner) => {
        const streams = await this.insertEvents(queryRunner, appends, options.metadata);
        const last = streams[streams.length - 1].lastPosition;
        const result: MultiStreamAppendResult = {
          streams,
          lastPosition: streams.reduce(
            (latest, stream) =>
              stream.lastPosition.globalPosition > latest.globalPosition
                ? stream.lastPosition
                : latest,
            last,
          ),
        };
        if (!options.command) return result;
        const commandResult = options.command.result(result);
        await this.recordCommand(
          queryRunner,
          options.command.id,
          appends[0].streamId,
          commandResult,
        );
        return { ...result, commandResult };
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
    const [appended] = await this.insertEvents(
      queryRunner,
      [{ streamId, expected, events }],
      options.metadata,
    );
    if (options.snapshot) {
      await queryRunner.query(WRITE_SNAPSHOT_SQL, [
        streamId,
        appended.nextExpectedVersion,
        options.snapshot.schemaVersion,
        JSON.stringify(options.snapshot.state),
      ]);
    }
    if (!options.command) return appended;
    const commandResult = options.command.result(appended);
    await this.recordCommand(queryRunner, options.command.id, streamId, commandResult);
    return { ...appended, commandResult };
  }

  /**
   * Inserts every stream's events in one statement (the transaction's first write), then the
   * inline projections and the outbox rows. @returns one result per stream, in order.
   */
  private async insertEvents(
    queryRunner: QueryRunner,
    appends: readonly StreamAppend[],
    metadata: EventMetadata,
  ): Promise<AppendResult[]> {
    this.checkAppends(appends);
    const payload = appends.map(({ streamId, expected, events }) => ({
      streamId,
      kind: typeof expected === 'number' ? 'version' : expected,
      version: typeof expected === 'number' ? Math.min(expected, MAX_VERSION) : null,
      events: events.map((event) => ({
        eventId: randomUUID(),
        type: event.type,
        schemaVersion: event.schemaVersion ?? 1,
        data: event.data,
      })),
    }));
    let rows: EventRow[];
    try {
      const inserted = await queryRunner.query(
        APPEND_EVENTS_SQL,
        [JSON.stringify(payload), JSON.stringify(metadata), metadata.occurredAt],
        true,
      );
      rows = inserted.records as EventRow[];
    } catch (error) {
      throw translateAppendError(error, appends);
    }
    const expectedRows = appends.reduce((sum, append) => sum + append.events.length, 0);
    if (rows.length !== expectedRows) await this.diagnoseEmptyAppend(queryRunner, appends);
    const recorded = rows.map(toRecordedEvent);
    await this.applyInline(queryRunner, recorded);
    await this.writeOutbox(queryRunner, recorded);
    return appends.map(({ streamId }) => {
      const ofStream = recorded
        .filter((event) => event.streamId === streamId)
        .sort((a, b) => a.streamVersion - b.streamVersion);
      const last = ofStream[ofStream.length - 1];
      return {
        streamId,
        nextExpectedVersion: last.streamVersion,
        lastPosition: { transactionId: last.transactionId, globalPosition: last.globalPosition },
        events: ofStream,
      };
    });
  }

  private async recordCommand(
    queryRunner: QueryRunner,
    commandId: string,
    streamId: string,
    result: JsonValue,
  ): Promise<void> {
    try {
      await queryRunner.query(RECORD_COMMAND_SQL, [commandId, streamId, JSON.stringify(result)]);
    } catch (error) {
      const { code } = pgErrorDetails(error);
      throw code === UNIQUE_VIOLATION ? new DuplicateCommandError(commandId) : error;
    }
  }

  /** Inline projections see the events after their insert, in the same transaction. */
  private async applyInline(
    queryRunner: QueryRunner,
    events: readonly RecordedEvent[],
  ): Promise<void> {
    for (const projection of this.inline) {
      const relevant = events.filter((event) => projection.eventTypes.includes(event.type));
      if (relevant.length > 0) await projection.apply(relevant, projectionTransaction(queryRunner));
    }
  }

  private async writeOutbox(
    queryRunner: QueryRunner,
    events: readonly RecordedEvent[],
  ): Promise<void> {
    if (!this.outbox) return;
    const rows = outboxRows(events, this.outbox);
    if (rows.length > 0) await queryRunner.query(INSERT_OUTBOX_SQL, [JSON.stringify(rows)]);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows: EventRow[] = await this.dataSource.query(READ_STREAM_SQL, [
      streamId,
      options.fromVersion ?? 1,
      options.toVersion ?? MAX_VERSION,
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

  private async diagnoseEmptyAppend(
    queryRunner: QueryRunner,
    appends: readonly StreamAppend[],
  ): Promise<never> {
    const rows = (await queryRunner.query(APPEND_DIAGNOSIS_SQL, [
      appends.map((append) => append.streamId),
    ])) as { first_write: boolean; stream_id: string; current_version: number }[];
    if (rows.some((row) => !row.first_write))
      throw new AppendNotFirstWriteError(appends[0].streamId);
    for (const append of appends) {
      const actual = rows.find((row) => row.stream_id === append.streamId)?.current_version ?? 0;
      if (!satisfiesExpectedVersion(append.expected, actual))
        throw new WrongExpectedVersionError(append.streamId, append.expected, actual);
    }
    // Every expectation holds now: a concurrent append changed a stream and rolled back.
    throw new WrongExpectedVersionError(appends[0].streamId, appends[0].expected, undefined);
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
