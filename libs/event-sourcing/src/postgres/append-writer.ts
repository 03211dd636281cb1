import type { PoolClient, QueryResultRow } from 'pg';
import type { QueryRunner } from 'typeorm';
import { v7 as uuidV7 } from 'uuid';
import {
  AppendNotFirstWriteError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { EventMetadata, NewEvent, RecordedEvent } from '../core/event';
import { AppendResult, CommandRecord, SnapshotWrite } from '../core/event-store.port';
import { ExpectedVersion } from '../core/expected-version';
import { JsonValue } from '../core/json';
import { IntegrationEventMapper } from '../outbox/outbox-message';
import { translateAppendError } from './append-errors';
import { Settled } from './group-commit';
import { outboxRows, OutboxRowDraft } from './outbox-rows';
import { APPEND_SQL, RECORD_SQL } from './sql/append.sql';
import { EventRow, MAX_STREAM_VERSION, toRecordedEvent } from './sql/event-row';

/** Events of one command (or of an append without one) within a stream's append. */
export interface AppendPart {
  readonly events: readonly NewEvent[];
  readonly metadata: EventMetadata;
  readonly command?: CommandRecord;
}

/** One stream's append: one or more commands' events, checked against one expected version. */
export interface AppendWrite {
  /** The stream: never twice in one write (the group commit's key). */
  readonly key: string;
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly parts: readonly AppendPart[];
  readonly snapshot?: SnapshotWrite;
}

/** A command recorded once for a whole all-or-nothing write (a multi-stream command). */
export interface WriteCommand {
  readonly id: string;
  /** Its result, from every stream's append (one AppendResult per stream, in order). */
  readonly result: (streams: readonly AppendResult[]) => JsonValue;
}

/** A statement a session prepares once, by name. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** What the writer tells a connection of a statement. */
export interface StatementOptions {
  /** The writer's last statement: a connection that owns the transaction may commit with it. */
  readonly last?: boolean;
}

/**
 * Where the append's statements run: a pooled pg client, a TypeORM query runner, or a group
 * commit's BatchTransaction.
 */
export interface AppendConnection {
  /** `name`: a prepared statement's, where the connection supports them. */
  query<Row extends QueryResultRow = QueryResultRow>(
    name: string | undefined,
    text: string,
    values: readonly unknown[],
    options?: StatementOptions,
  ): Promise<Row[]>;
}

export const clientConnection = (client: PoolClient): AppendConnection => ({
  async query<Row extends QueryResultRow>(
    name: string | undefined,
    text: string,
    values: readonly unknown[],
  ) {
    const result = await client.query<Row>({ name, text, values: [...values] });
    return result.rows;
  },
});

export const queryRunnerConnection = (queryRunner: QueryRunner): AppendConnection => ({
  // TypeORM has no named statements: the name is dropped.
  async query<Row extends QueryResultRow>(
    _name: string | undefined,
    text: string,
    values: readonly unknown[],
  ) {
    const result = await queryRunner.query(text, [...values], true);
    return result.records as Row[];
  },
});

const APPEND_STATEMENT: NamedStatement = { name: 'ledgerline_append_v5', text: APPEND_SQL };
const RECORD_STATEMENT: NamedStatement = { name: 'ledgerline_record_v3', text: RECORD_SQL };
const WRITER_STATEMENTS = [APPEND_STATEMENT, RECORD_STATEMENT] as const;

/** Runs inside the append's transaction, after its events and before its outbox rows. */
export type AfterEvents = (events: readonly RecordedEvent[]) => Promise<void>;

/** An event as APPEND_SQL takes it. */
interface EventInput {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: NewEvent['data'];
  readonly metadata: EventMetadata;
}

/** Where an event landed, or (refused) why its append was refused. */
type AppendRow = Pick<
  EventRow,
  'global_position' | 'transaction_id' | 'event_id' | 'stream_id' | 'stream_version' | 'recorded_at'
> & {
  refused: boolean;
  first_write: boolean | null;
  duplicate_id: string | null;
  current_version: number | null;
};

interface Written {
  readonly outcomes: Settled<AppendResult[]>[];
  readonly commandResult?: JsonValue;
}

/**
 * The one implementation of an append: the events of one or more streams, guarded by their
 * expected versions and written as the transaction's first write, then (inline work, if any)
 * the outbox rows and the command records; snapshots go with the events. Two statements
 * whatever the number of streams and commands: APPEND_SQL and RECORD_SQL. Every way to append
 * comes here: a group commit's batch (`writeEach`: each stream succeeds or fails alone), a
 * multi-stream append and an append in a caller's transaction (`writeAll`: all or nothing).
 * Event ids are UUIDv7 (time-ordered: the unique index on them grows at its right edge instead
 * of taking a random page per insert). The caller owns the transaction.
 */
export class AppendWriter {
  constructor(
    private readonly outbox: IntegrationEventMapper | undefined,
    /**
     * Named prepared statements (each session parses and plans them once). Off for servers
     * whose connections share one session (the embedded PGlite socket), where the unnamed
     * statements need no bookkeeping of what the session holds.
     */
    private readonly named = true,
  ) {}

  get namedStatements(): boolean {
    return this.named;
  }

  /** The named statements an append runs, for a connection that prepares them first. */
  get statements(): readonly NamedStatement[] {
    return WRITER_STATEMENTS;
  }

  /**
   * Each stream's append succeeds or is refused alone. A statement's error (a concurrent
   * append of the same version, a command id recorded in flight) is thrown as the driver's.
   * @returns per write, one AppendResult per part, or why it was refused
   */
  async writeEach(
    connection: AppendConnection,
    writes: readonly AppendWrite[],
  ): Promise<Settled<AppendResult[]>[]> {
    return (await this.write(connection, writes, false)).outcomes;
  }

  /**
   * Every stream's append or none; the first refusal, or the statement's error as a library
   * error, is thrown.
   */
  async writeAll(
    connection: AppendConnection,
    writes: readonly AppendWrite[],
    options: { readonly command?: WriteCommand; readonly afterEvents?: AfterEvents } = {},
  ): Promise<{ readonly streams: AppendResult[][]; readonly commandResult?: JsonValue }> {
    let written: Written;
    try {
      written = await this.write(connection, writes, true, options.command, options.afterEvents);
    } catch (error) {
      const ids = writes.flatMap((write) => commandIdsOf(write));
      if (options.command) ids.push(options.command.id);
      const appends = writes.map((write) => ({
        ...write,
        events: write.parts.flatMap((part) => part.events),
      }));
      throw translateAppendError(error, appends, ids);
    }
    const streams = written.outcomes.map((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
    return { streams, commandResult: written.commandResult };
  }

  private async write(
    connection: AppendConnection,
    writes: readonly AppendWrite[],
    allOrNothing: boolean,
    command?: WriteCommand,
    afterEvents?: AfterEvents,
  ): Promise<Written> {
    const inputs = writes.map((write, index) =>
      toInput(write, index === 0 && command ? [command.id] : []),
    );
    const rows = await connection.query<AppendRow>(
      this.named ? APPEND_STATEMENT.name : undefined,
      APPEND_SQL,
      [JSON.stringify(inputs), allOrNothing],
    );
    const sent = new Map<string, EventInput>();
    for (const input of inputs) for (const event of input.events) sent.set(event.eventId, event);
    const refusals = writes.map((write) => {
      const row = rows.find(
        (candidate) => candidate.refused && candidate.stream_id === write.streamId,
      );
      return row && refusal(write, row);
    });
    if (allOrNothing) {
      const first = refusals.find((error) => error !== undefined);
      if (first) return { outcomes: writes.map(() => ({ ok: false, error: first })) };
    }
    const inserted: RecordedEvent[] = [];
    const outcomes = writes.map((write, index): Settled<AppendResult[]> => {
      const refused = refusals[index];
      if (refused) return { ok: false, error: refused };
      const events = rows
        .filter((row) => !row.refused && row.stream_id === write.streamId)
        .map((row) => recorded(row, sent.get(row.event_id)))
        .sort((a, b) => a.streamVersion - b.streamVersion);
      inserted.push(...events);
      return { ok: true, value: partsOf(write, events) };
    });
    if (afterEvents) await afterEvents(inserted);
    const commands: { id: string; streamId: string; result: JsonValue }[] = [];
    for (const [index, outcome] of outcomes.entries())
      if (outcome.ok)
        for (const [part, result] of outcome.value.entries()) {
          const record = writes[index].parts[part].command;
          if (record && result.commandResult !== undefined)
            commands.push({
              id: record.id,
              streamId: result.streamId,
              result: result.commandResult,
            });
        }
    let commandResult: JsonValue | undefined;
    if (command) {
      commandResult = command.result(
        outcomes.flatMap((outcome) => (outcome.ok ? outcome.value : [])),
      );
      commands.push({ id: command.id, streamId: writes[0].streamId, result: commandResult });
    }
    const outbox: OutboxRowDraft[] = this.outbox ? outboxRows(inserted, this.outbox) : [];
    if (outbox.length > 0 || commands.length > 0)
      await connection.query(
        this.named ? RECORD_STATEMENT.name : undefined,
        RECORD_SQL,
        [JSON.stringify(outbox), JSON.stringify(commands)],
        { last: true },
      );
    return { outcomes, commandResult };
  }
}

/** One AppendResult per part: its own events, version, position and command result. */
function partsOf(write: AppendWrite, events: readonly RecordedEvent[]): AppendResult[] {
  let offset = 0;
  return write.parts.map((part): AppendResult => {
    const own = events.slice(offset, offset + part.events.length);
    offset += part.events.length;
    const last = own[own.length - 1];
    const appended: AppendResult = {
      streamId: write.streamId,
      nextExpectedVersion: last.streamVersion,
      lastPosition: { transactionId: last.transactionId, globalPosition: last.globalPosition },
      events: own,
    };
    return part.command ? { ...appended, commandResult: part.command.result(appended) } : appended;
  });
}

function commandIdsOf(write: AppendWrite): string[] {
  return write.parts.flatMap((part) => (part.command ? [part.command.id] : []));
}

function toInput(
  write: AppendWrite,
  extraCommandIds: readonly string[],
): { events: EventInput[] } & Record<string, unknown> {
  const { streamId, expected, parts, snapshot } = write;
  return {
    streamId,
    kind: typeof expected === 'number' ? 'version' : expected,
    version: typeof expected === 'number' ? Math.min(expected, MAX_STREAM_VERSION) : null,
    commandIds: [...commandIdsOf(write), ...extraCommandIds],
    snapshot: snapshot ? { schemaVersion: snapshot.schemaVersion, state: snapshot.state } : null,
    events: parts.flatMap(({ events, metadata }) =>
      events.map((event) => ({
        eventId: uuidV7(),
        type: event.type,
        schemaVersion: event.schemaVersion ?? 1,
        data: event.data,
        metadata: { ...metadata },
      })),
    ),
  };
}

/** The recorded event: where the database put it, and what was sent. */
function recorded(row: AppendRow, event: EventInput | undefined): RecordedEvent {
  if (!event) throw new Error(`event ${row.event_id} came back but was never sent`);
  return toRecordedEvent({
    ...row,
    type: event.type,
    schema_version: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
  });
}

function refusal(write: AppendWrite, row: AppendRow): Error {
  if (row.duplicate_id) return new DuplicateCommandError(row.duplicate_id);
  if (!row.first_write) return new AppendNotFirstWriteError(write.streamId);
  return new WrongExpectedVersionError(
    write.streamId,
    write.expected,
    row.current_version ?? undefined,
  );
}
