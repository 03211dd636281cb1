import { EventMetadata, LogPosition, NewEvent, RecordedEvent } from './event';
import { ExpectedVersion } from './expected-version';
import { JsonValue } from './json';

/** What a command records with its events, so that a repeated command is a no-op. */
export interface CommandRecord {
  /** Unique per command; a repeat carries the same id. */
  readonly id: string;
  /** The command's response, computed from the append; stored and replayed to repeats. */
  readonly result: (appended: AppendResult) => JsonValue;
}

/** A snapshot to store with an append: the stream's state after the appended events. */
export interface SnapshotWrite {
  readonly state: JsonValue;
  /** The version of the state's shape; a snapshot of another version is never used. */
  readonly schemaVersion: number;
}

/** The latest snapshot of a stream, as stored. */
export interface StoredSnapshot {
  readonly streamVersion: number;
  readonly schemaVersion: number;
  readonly state: JsonValue;
}

export interface AppendOptions {
  readonly metadata: EventMetadata;
  /** When given, the command id and result commit in the same transaction as the events. */
  readonly command?: CommandRecord;
  /** When given, stored as the stream's snapshot at its new version, in the same transaction. */
  readonly snapshot?: SnapshotWrite;
}

export interface AppendResult {
  readonly streamId: string;
  /** The stream's version after the append: pass it as the next expected version. */
  readonly nextExpectedVersion: number;
  /** Position of the last appended event: a consistency token for readers. */
  readonly lastPosition: LogPosition;
  readonly events: readonly RecordedEvent[];
  /** The command result as stored, when the append recorded a command. */
  readonly commandResult?: JsonValue;
}

/** One command's part of an append that commits several commands to one stream. */
export interface CommandAppend {
  readonly events: readonly NewEvent[];
  /** The metadata of this command's events. */
  readonly metadata: EventMetadata;
  readonly command: CommandRecord;
}

/** One stream's part of a multi-stream append. */
export interface StreamAppend {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly events: readonly NewEvent[];
}

/** What a multi-stream command records with its events. */
export interface MultiStreamCommandRecord {
  readonly id: string;
  readonly result: (appended: MultiStreamAppendResult) => JsonValue;
}

export interface MultiStreamAppendOptions {
  readonly metadata: EventMetadata;
  readonly command?: MultiStreamCommandRecord;
}

export interface MultiStreamAppendResult {
  /** One result per stream, in the order the appends were given. */
  readonly streams: readonly AppendResult[];
  /** Position of the last appended event of all streams. */
  readonly lastPosition: LogPosition;
  readonly commandResult?: JsonValue;
}

export interface ReadStreamOptions {
  /** First version to read (inclusive), default 1. */
  readonly fromVersion?: number;
  /** Last version to read (inclusive), default the stream's end. */
  readonly toVersion?: number;
  /** Only events that occurred at or before this instant (temporal queries). */
  readonly occurredAtOrBefore?: Date;
}

/**
 * The book of record. Implementations guarantee:
 * - appends are atomic (all events of one call or none) and optimistic: two appends that
 *   expect the same version cannot both commit;
 * - `readAll` is gap-safe: it never returns an event after one that could still become
 *   visible before it, so a reader that checkpoints the last position it processed never
 *   skips an event.
 */
export interface EventStore {
  /**
   * Appends events to a stream if it satisfies `expected`.
   * @throws WrongExpectedVersionError on a version conflict (nothing is written)
   * @throws DuplicateCommandError when `options.command.id` is already recorded
   * @throws DuplicateEventIdError, AppendNotFirstWriteError
   */
  appendToStream(
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;

  /**
   * Appends to several streams in one transaction, each checked against its own expected
   * version: all or nothing. For rules that span aggregates (a unique key kept as a
   * reservation stream; a parent that must still exist when a child is created).
   * @throws WrongExpectedVersionError naming the first stream whose expectation failed
   * @throws DuplicateCommandError, DuplicateEventIdError, AppendNotFirstWriteError,
   *   RangeError for no appends, an empty append or a stream named twice
   */
  appendToStreams(
    appends: readonly StreamAppend[],
    options: MultiStreamAppendOptions,
  ): Promise<MultiStreamAppendResult>;

  /**
   * Appends the events of several commands to one stream as ONE append (all or nothing,
   * checked against `expected` once), each command with its own metadata, record and
   * result: how a command executor commits the commands queued on a hot stream together.
   * @returns one result per command, its `events`, version and position its own
   * @throws as appendToStream; DuplicateCommandError when any command id is recorded
   */
  appendCommands(
    streamId: string,
    expected: ExpectedVersion,
    commands: readonly CommandAppend[],
    snapshot?: SnapshotWrite,
  ): Promise<AppendResult[]>;

  /** Events of one stream in version order; empty when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * Up to `limit` events after `after`, in (transaction id, position) order, only from
   * transactions older than every transaction still in flight. Waits for nothing: an
   * in-flight append simply holds back what comes after it until it commits or rolls back.
   */
  readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]>;

  /**
   * An event read outside this store (by SQL of its own) in its current shape, as readStream
   * and readAll return every event.
   */
  upcast(event: RecordedEvent): Promise<RecordedEvent>;

  /** The latest snapshot of a stream, or undefined when it has none. */
  readSnapshot(streamId: string): Promise<StoredSnapshot | undefined>;

  /** The stored result of a recorded command, or undefined when it was never recorded. */
  findCommandResult(commandId: string): Promise<JsonValue | undefined>;
}
