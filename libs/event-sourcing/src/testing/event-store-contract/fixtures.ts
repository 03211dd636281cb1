import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError } from '../../core/errors';
import { EventMetadata, LogPosition, NewEvent, RecordedEvent } from '../../core/event';
import { EventStore } from '../../core/event-store.port';
import { ExpectedVersion } from '../../core/expected-version';

/** The store under test, opened once per suite and shared by its cases. */
export type ContractStore = () => EventStore;

/** A stream id no other case uses: every case of a suite shares one store. */
export const newStreamId = (label: string): string => `contract-${label}-${randomUUID()}`;

/** A command id: a UUID, the one shape every store accepts. */
export const newCommandId = (): string => randomUUID();

/** The metadata of one command, its own id doubling as correlation and causation. */
export function metadata(occurredAt = new Date().toISOString()): EventMetadata {
  const commandId = newCommandId();
  return {
    commandId,
    correlationId: commandId,
    causationId: commandId,
    actor: 'contract',
    occurredAt,
  };
}

/** Options that fit any append: one command's metadata, nothing else. */
export const options = (): { readonly metadata: EventMetadata } => ({ metadata: metadata() });

/** The events of the suite: a type no upcaster knows, so every store takes it in version 1. */
export const counted = (n: number): NewEvent => ({ type: 'ContractCounted', data: { n } });

export const countedEvents = (...ns: number[]): NewEvent[] => ns.map(counted);

/** What a store says about an event, without the instant it recorded it. */
export const described = (event: RecordedEvent) => ({
  eventId: event.eventId,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: event.data,
  metadata: event.metadata,
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
});

export const versionsOf = (events: readonly RecordedEvent[]): number[] =>
  events.map((event) => event.streamVersion);

export const positionOf = (event: LogPosition): LogPosition => ({
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
});

/** Log order, (transaction id, position), compared as bigints: never as strings. */
export function isBefore(a: LogPosition, b: LogPosition): boolean {
  return a.transactionId === b.transactionId
    ? a.globalPosition < b.globalPosition
    : a.transactionId < b.transactionId;
}

/** Writes `count` events to a new stream and returns its id. */
export async function streamWith(store: EventStore, label: string, count: number): Promise<string> {
  const streamId = newStreamId(label);
  const ns = Array.from({ length: count }, (_, index) => index + 1);
  await store.appendToStream(streamId, 'no_stream', countedEvents(...ns), options());
  return streamId;
}

/**
 * Asserts a version conflict that names the stream, the expectation and the actual version: an
 * append alone on its stream always knows the actual version (it is left undefined only when
 * a concurrent writer won, which no case of the suite does).
 */
export async function expectVersionConflict(
  attempt: Promise<unknown>,
  conflict: { streamId: string; expected: ExpectedVersion; actual: number },
): Promise<void> {
  await expect(attempt).rejects.toBeInstanceOf(WrongExpectedVersionError);
  await expect(attempt).rejects.toMatchObject({ ...conflict, code: 'VERSION_CONFLICT' });
}

export { eventually } from '../eventually';
