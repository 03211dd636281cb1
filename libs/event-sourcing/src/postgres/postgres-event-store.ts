import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import {
  AppendNotFirstWriteError,
  DuplicateCommandError,
  DuplicateEventIdError,
  WrongExpectedVersionError,
} from '../core/errors';
import { LogPosition, NewEvent, RecordedEvent } from '../core/event';
import {
  AppendOptions,
  AppendResult,
  EventStore,
  ReadStreamOptions,
} from '../core/event-store.port';
import { assertValidExpectedVersion, ExpectedVersion } from '../core/expected-version';
import { JsonValue } from '../core/json';
import { IntegrationEventMapper } from '../outbox/outbox-message';
import { Projection } from '../projections/projection';
import { outboxRows } from './outbox-rows';
import { pgErrorDetails, UNIQUE_VIOLATION } from './pg-errors';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';
import { APPEND_DIAGNOSIS_SQL, APPEND_EVENTS_SQL } from './sql/append-events.sql';
import { EventRow, toRecordedEvent } from './sql/event-row';
import { INSERT_OUTBOX_SQL } from './sql/outbox.sql';
import { READ_ALL_SQL } from './sql/read-all.sql';
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
  /** Called after each append of `appendToStream` committed (wakes in-process workers). */
  readonly afterCommit?: (appended: AppendResult) => void;
}

/**
 * The PostgreSQL event store on a TypeORM DataSource. Each append is one transaction:
 * the events (first write), inline projections, outbox rows, then the command record.
 * Schema: `eventStoreMigrations`.
 */
export class PostgresEventStore implements EventStore {
  private readonly inline: readonly Projection[];
  private readonly outbox?: IntegrationEventMapper;
  private readonly afterCommit: (appended: AppendResult) => void;

  constructor(
    private readonly dataSource: DataSource,
    options: PostgresEventStoreOptions = {},
  ) {
    this.inline = (options.inlineProjections ?? []).filter((p) => p.lifecycle === 'inline');
    this.outbox = options.outbox;
    this.afterCommit = options.afterCommit ?? (() => undefined);
  }

  async appendToStream(
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    assertValidExpectedVersion(expected);
    if (events.length === 0) throw new RangeError('appendToStream needs at least one event');
    const appended = await runInTransaction(this.dataSource, (queryRunner) =>
      this.appendInTransaction(queryRunner, streamId, expected, events, options),
    );
    this.afterCommit(appended);
    return appended;
  }

  /**
   * The append inside a transaction the caller owns. The caller must not have written
   * anything before it in that transaction (AppendNotFirstWriteError otherwise).
   */
  async appendInTransaction(
    queryRunner: QueryRunner,
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    try {
      return await this.insertEventsAndCommand(queryRunner, streamId, expected, events, options);
    } catch (error) {
      throw this.translateAppendError(error, streamId, expected, options.command?.id);
    }
  }

  private async insertEventsAndCommand(
    queryRunner: QueryRunner,
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const payload = events.map((event) => ({
      eventId: randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data,
    }));
    const kind = typeof expected === 'number' ? 'version' : expected;
    const inserted = await queryRunner.query(
      APPEND_EVENTS_SQL,
      [
        streamId,
        JSON.stringify(payload),
        JSON.stringify(options.metadata),
        options.metadata.occurredAt,
        kind,
        typeof expected === 'number' ? Math.min(expected, MAX_VERSION) : null,
      ],
      true,
    );
    const rows = inserted.records as EventRow[];
    if (rows.length !== events.length) {
      await this.diagnoseEmptyAppend(queryRunner, streamId, expected);
    }
    const recorded = rows.map(toRecordedEvent).sort((a, b) => a.streamVersion - b.streamVersion);
    const last = recorded[recorded.length - 1];
    const appended: AppendResult = {
      streamId,
      nextExpectedVersion: last.streamVersion,
      lastPosition: { transactionId: last.transactionId, globalPosition: last.globalPosition },
      events: recorded,
    };
    await this.applyInline(queryRunner, recorded);
    await this.writeOutbox(queryRunner, recorded);
    if (!options.command) return appended;
    const commandResult = options.command.result(appended);
    await queryRunner.query(RECORD_COMMAND_SQL, [
      options.command.id,
      streamId,
      JSON.stringify(commandResult),
    ]);
    return { ...appended, commandResult };
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
    return rows.map(toRecordedEvent);
  }

  async readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]> {
    const rows: EventRow[] = await this.dataSource.query(READ_ALL_SQL, [
      after.transactionId.toString(),
      after.globalPosition.toString(),
      limit,
    ]);
    return rows.map(toRecordedEvent);
  }

  async findCommandResult(commandId: string): Promise<JsonValue | undefined> {
    const rows: { result: JsonValue }[] = await this.dataSource.query(FIND_COMMAND_SQL, [
      commandId,
    ]);
    return rows.length > 0 ? rows[0].result : undefined;
  }

  private async diagnoseEmptyAppend(
    queryRunner: QueryRunner,
    streamId: string,
    expected: ExpectedVersion,
  ): Promise<never> {
    const [diagnosis] = (await queryRunner.query(APPEND_DIAGNOSIS_SQL, [streamId])) as {
      first_write: boolean;
      current_version: number;
    }[];
    if (!diagnosis.first_write) throw new AppendNotFirstWriteError(streamId);
    throw new WrongExpectedVersionError(streamId, expected, diagnosis.current_version);
  }

  private translateAppendError(
    error: unknown,
    streamId: string,
    expected: ExpectedVersion,
    commandId: string | undefined,
  ): unknown {
    const { code, constraint } = pgErrorDetails(error);
    if (code !== UNIQUE_VIOLATION) return error;
    switch (constraint) {
      case 'es_events_stream_version_key':
        return new WrongExpectedVersionError(streamId, expected, undefined);
      case 'es_events_event_id_key':
        return new DuplicateEventIdError(streamId);
      case 'es_commands_pkey':
        return new DuplicateCommandError(commandId ?? 'unknown');
      default:
        return error;
    }
  }
}
