import { LogPosition, NewEvent, RecordedEvent } from './event';
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
} from './event-store.port';
import { ExpectedVersion } from './expected-version';
import { JsonObject, JsonValue } from './json';

/**
 * How the data of some event types is stored differently from how the domain reads it:
 * personal fields sealed with a key per person (crypto-shredding), for example. Declared per
 * event type, applied by ProtectedEventStore on every append and every read, so no handler,
 * fold or projection does it by hand.
 */
export interface EventDataProtection {
  /** True for the event types whose data this protection changes; others pass untouched. */
  covers(type: string): boolean;
  /** The data as stored, for an event about to be appended to `streamId`. */
  protect(event: NewEvent, streamId: string): Promise<JsonObject>;
  /** The data as the domain reads it, from the stored event. */
  reveal(event: RecordedEvent): Promise<JsonObject>;
}

/**
 * An event store that protects the data of the covered event types on the way in and reveals
 * it on the way out: every read (`readStream`, `readAll`, `upcast`) returns revealed data, and
 * an append's result carries the data the caller gave, not the stored form.
 *
 * What runs inside the inner store's append transaction sees the stored form: the outbox
 * mapper (public integration events carry ids, never personal data) and inline projections of
 * covered types. Snapshots are stored as given: an aggregate with covered events keeps no
 * personal data in its snapshots, or takes none.
 */
export class ProtectedEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly protection: EventDataProtection,
  ) {}

  async appendToStream(
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const stored = await this.protectAll(events, streamId);
    const result = await this.inner.appendToStream(streamId, expected, stored, options);
    return withGivenData(result, events);
  }

  async appendToStreams(
    appends: readonly StreamAppend[],
    options: MultiStreamAppendOptions,
  ): Promise<MultiStreamAppendResult> {
    const stored = await Promise.all(
      appends.map(async (append) => ({
        ...append,
        events: await this.protectAll(append.events, append.streamId),
      })),
    );
    const result = await this.inner.appendToStreams(stored, options);
    return {
      ...result,
      streams: result.streams.map((stream, index) =>
        withGivenData(stream, appends[index]?.events ?? []),
      ),
    };
  }

  async appendCommands(
    streamId: string,
    expected: ExpectedVersion,
    commands: readonly CommandAppend[],
    snapshot?: SnapshotWrite,
  ): Promise<AppendResult[]> {
    const stored = await Promise.all(
      commands.map(async (command) => ({
        ...command,
        events: await this.protectAll(command.events, streamId),
      })),
    );
    const results = await this.inner.appendCommands(streamId, expected, stored, snapshot);
    return results.map((result, index) => withGivenData(result, commands[index]?.events ?? []));
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.revealAll(await this.inner.readStream(streamId, options));
  }

  async readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]> {
    return this.revealAll(await this.inner.readAll(after, limit));
  }

  async upcast(event: RecordedEvent): Promise<RecordedEvent> {
    return this.revealOne(await this.inner.upcast(event));
  }

  readSnapshot(streamId: string): Promise<StoredSnapshot | undefined> {
    return this.inner.readSnapshot(streamId);
  }

  findCommandResult(commandId: string): Promise<JsonValue | undefined> {
    return this.inner.findCommandResult(commandId);
  }

  private protectAll(events: readonly NewEvent[], streamId: string): Promise<NewEvent[]> {
    return Promise.all(
      events.map(async (event) =>
        this.protection.covers(event.type)
          ? { ...event, data: await this.protection.protect(event, streamId) }
          : event,
      ),
    );
  }

  private revealAll(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    return Promise.all(events.map((event) => this.revealOne(event)));
  }

  private async revealOne(event: RecordedEvent): Promise<RecordedEvent> {
    if (!this.protection.covers(event.type)) return event;
    return { ...event, data: await this.protection.reveal(event) };
  }
}

/** The append's result with the events' data as the caller gave it, in order. */
function withGivenData(result: AppendResult, given: readonly NewEvent[]): AppendResult {
  return {
    ...result,
    events: result.events.map((event, index) => {
      const original = given[index];
      return original === undefined ? event : { ...event, data: original.data };
    }),
  };
}
