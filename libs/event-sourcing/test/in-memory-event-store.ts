import { randomUUID } from 'node:crypto';
import { DuplicateCommandError, WrongExpectedVersionError } from '../src/core/errors';
import { EventMetadata, LogPosition, NewEvent, RecordedEvent } from '../src/core/event';
import {
  AppendOptions,
  AppendResult,
  CommandAppend,
  CommandRecord,
  EventStore,
  MultiStreamAppendOptions,
  MultiStreamAppendResult,
  ReadStreamOptions,
  SnapshotWrite,
  StoredSnapshot,
  StreamAppend,
} from '../src/core/event-store.port';
import {
  assertValidExpectedVersion,
  ExpectedVersion,
  satisfiesExpectedVersion,
} from '../src/core/expected-version';
import { JsonValue } from '../src/core/json';

/** One command's part of an append: its events, metadata and (optional) record. */
interface Part {
  readonly events: readonly NewEvent[];
  readonly metadata: EventMetadata;
  readonly command?: CommandRecord;
}

/**
 * The EventStore port in memory, for specs of what sits above it (never a stand-in for
 * PostgreSQL: the store's own guarantees are proven by its contract suite). One call is one
 * atomic append: a recorded command id is refused first (DuplicateCommandError), as the
 * group-committed store does, then the expected version is checked (WrongExpectedVersionError
 * with the actual version); before both, appends that cannot be meant are RangeErrors. Every
 * append is its own transaction id; upcast returns the event. It runs the event-store contract
 * suite (`in-memory-event-store.contract.spec.ts`) as PostgresEventStore does.
 */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly commands = new Map<string, JsonValue>();
  private readonly snapshots = new Map<string, StoredSnapshot>();
  private position = 0n;

  appendToStream(
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.atomically(() => {
      assertValidAppends([{ streamId, expected, events }]);
      this.check(streamId, expected, options.command ? [options.command.id] : []);
      const [appended] = this.write(streamId, [{ events, ...options }], options.snapshot);
      return appended;
    });
  }

  appendCommands(
    streamId: string,
    expected: ExpectedVersion,
    commands: readonly CommandAppend[],
    snapshot?: SnapshotWrite,
  ): Promise<AppendResult[]> {
    return this.atomically(() => {
      if (commands.length === 0)
        throw new RangeError(`append to ${streamId} needs at least one command`);
      assertValidAppends([{ streamId, expected, events: commands.flatMap((c) => c.events) }]);
      if (commands.some((command) => command.events.length === 0))
        throw new RangeError(`every command appended to ${streamId} needs at least one event`);
      this.check(
        streamId,
        expected,
        commands.map(({ command }) => command.id),
      );
      return this.write(streamId, commands, snapshot);
    });
  }

  appendToStreams(
    appends: readonly StreamAppend[],
    options: MultiStreamAppendOptions,
  ): Promise<MultiStreamAppendResult> {
    return this.atomically(() => {
      assertValidAppends(appends);
      appends.forEach(({ streamId, expected }, index) =>
        this.check(streamId, expected, index === 0 && options.command ? [options.command.id] : []),
      );
      const streams = appends.flatMap(({ streamId, events }) =>
        this.write(streamId, [{ events, metadata: options.metadata }]),
      );
      const appended = { streams, lastPosition: streams[streams.length - 1].lastPosition };
      if (!options.command) return appended;
      const commandResult = options.command.result(appended);
      this.commands.set(options.command.id, commandResult);
      return { ...appended, commandResult };
    });
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { fromVersion = 1, toVersion = Infinity, occurredAtOrBefore } = options;
    return Promise.resolve(
      (this.streams.get(streamId) ?? []).filter(
        (event) =>
          event.streamVersion >= fromVersion &&
          event.streamVersion <= toVersion &&
          (!occurredAtOrBefore || new Date(event.metadata.occurredAt) <= occurredAtOrBefore),
      ),
    );
  }

  readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]> {
    const all = [...this.streams.values()].flat();
    return Promise.resolve(
      all
        .filter((event) => event.globalPosition > after.globalPosition)
        .sort((a, b) => (a.globalPosition < b.globalPosition ? -1 : 1))
        .slice(0, limit),
    );
  }

  upcast(event: RecordedEvent): Promise<RecordedEvent> {
    return Promise.resolve(event);
  }

  readSnapshot(streamId: string): Promise<StoredSnapshot | undefined> {
    return Promise.resolve(this.snapshots.get(streamId));
  }

  findCommandResult(commandId: string): Promise<JsonValue | undefined> {
    return Promise.resolve(this.commands.get(commandId));
  }

  /** The stream's version now: 0 when it does not exist. */
  versionOf(streamId: string): number {
    return this.streams.get(streamId)?.length ?? 0;
  }

  /** Runs a synchronous append as the port's asynchronous one: what it throws rejects. */
  private atomically<T>(append: () => T): Promise<T> {
    try {
      return Promise.resolve(append());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private check(streamId: string, expected: ExpectedVersion, commandIds: readonly string[]): void {
    const repeated = commandIds.find(
      (id, index) => this.commands.has(id) || commandIds.indexOf(id) !== index,
    );
    if (repeated !== undefined) throw new DuplicateCommandError(repeated);
    const actual = this.versionOf(streamId);
    if (!satisfiesExpectedVersion(expected, actual))
      throw new WrongExpectedVersionError(streamId, expected, actual);
  }

  /** Appends the parts in order, each recording its command; one result per part. */
  private write(
    streamId: string,
    parts: readonly Part[],
    snapshot?: SnapshotWrite,
  ): AppendResult[] {
    const stream = this.streams.get(streamId) ?? [];
    this.streams.set(streamId, stream);
    const transactionId = this.position + 1n;
    const results = parts.map(({ events, metadata, command }) => {
      const recorded: RecordedEvent[] = [];
      for (const event of events) {
        this.position++;
        recorded.push({
          eventId: randomUUID(),
          streamId,
          streamVersion: stream.length + recorded.length + 1,
          type: event.type,
          schemaVersion: event.schemaVersion ?? 1,
          data: event.data,
          metadata,
          recordedAt: new Date(),
          transactionId,
          globalPosition: this.position,
        });
      }
      stream.push(...recorded);
      const last = recorded[recorded.length - 1];
      const appended: AppendResult = {
        streamId,
        nextExpectedVersion: stream.length,
        lastPosition: { transactionId, globalPosition: last.globalPosition },
        events: recorded,
      };
      if (!command) return appended;
      const commandResult = command.result(appended);
      this.commands.set(command.id, commandResult);
      return { ...appended, commandResult };
    });
    if (snapshot) this.snapshots.set(streamId, { ...snapshot, streamVersion: stream.length });
    return results;
  }
}

/** Refuses appends that cannot be meant, as PostgresEventStore does (RangeError). */
function assertValidAppends(appends: readonly StreamAppend[]): void {
  if (appends.length === 0) throw new RangeError('append needs at least one stream');
  const seen = new Set<string>();
  for (const { streamId, expected, events } of appends) {
    assertValidExpectedVersion(expected);
    if (events.length === 0) throw new RangeError(`append to ${streamId} needs at least one event`);
    if (seen.has(streamId)) throw new RangeError(`stream ${streamId} appears twice in one append`);
    seen.add(streamId);
  }
}
