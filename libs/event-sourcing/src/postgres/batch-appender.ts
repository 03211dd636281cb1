import { Pool, PoolClient } from 'pg';
import { v7 as uuidV7 } from 'uuid';
import {
  AppendNotFirstWriteError,
  CommitOutcomeUnknownError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { NewEvent, RecordedEvent } from '../core/event';
import { AppendResult, CommandRecord, SnapshotWrite } from '../core/event-store.port';
import { EventMetadata } from '../core/event';
import { ExpectedVersion } from '../core/expected-version';
import { JsonValue } from '../core/json';
import { notifyObserver } from '../core/notify-observer';
import { IntegrationEventMapper } from '../outbox/outbox-message';
import { AppendObserver } from './append-observer';
import { translateAppendError } from './append-errors';
import { isDatabaseUnavailable, pgErrorDetails, UNIQUE_VIOLATION } from './pg-errors';
import { Settled } from './group-commit';
import { outboxRows, OutboxRowDraft } from './outbox-rows';
import { APPEND_BATCH_SQL, RECORD_BATCH_SQL } from './sql/append-batch.sql';
import { EventRow, toRecordedEvent } from './sql/event-row';

const MAX_VERSION = 2_147_483_647; // stream_version is a PostgreSQL integer

/** Events of one command (or of an append without one) within a batched append. */
export interface AppendPart {
  readonly events: readonly NewEvent[];
  readonly metadata: EventMetadata;
  readonly command?: CommandRecord;
}

/** One append waiting for its group commit: one stream, one or more commands' events. */
export interface BatchedAppend {
  /** The stream: never twice in one batch. */
  readonly key: string;
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly parts: readonly AppendPart[];
  readonly snapshot?: SnapshotWrite;
}

/** Why a batch failed, and whether its COMMIT had been sent (then its outcome is unknown). */
class BatchFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly committing: boolean,
  ) {
    super('group commit batch failed');
  }
}

const DUPLICATE_PREPARED_STATEMENT = '42P05';

/** Whether `error` is a unique violation of `streamId`'s next version (another writer's). */
function conflictsOn(error: unknown, streamId: string): boolean {
  const { code, constraint, detail } = pgErrorDetails(error);
  return (
    code === UNIQUE_VIOLATION &&
    constraint === 'es_events_stream_version_key' &&
    (detail?.includes(`(${streamId},`) ?? false)
  );
}

/** An event as APPEND_BATCH_SQL takes it. */
interface EventInput {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: NewEvent['data'];
  readonly metadata: EventMetadata;
}

/** Where an event landed, or (refused) why its append was refused. */
type BatchRow = Pick<
  EventRow,
  'global_position' | 'transaction_id' | 'event_id' | 'stream_id' | 'stream_version' | 'recorded_at'
> & {
  refused: boolean;
  first_write: boolean | null;
  duplicate_id: string | null;
  current_version: number | null;
};

/**
 * Writes a batch of independent appends in one transaction of four statements whatever its
 * size: BEGIN; events and snapshots (APPEND_BATCH_SQL); outbox rows and command records
 * (RECORD_BATCH_SQL); COMMIT. Both statements are named (unless `named` is off), so each
 * connection parses and plans them once. An append refused by its guard fails alone. An error
 * that fails the statement fails only its own append: a concurrent append of the same version
 * (another process) refuses the stream it names and the rest is written again together;
 * anything else (a command id repeated in flight, a mapper that throws) makes each append try
 * again alone, one at a time. A failed COMMIT is never retried: whether it committed is
 * unknown, and a retry could write twice or report a conflict for an append that went in.
 */
export class BatchAppender {
  constructor(
    private readonly pool: () => Pool,
    private readonly outbox: IntegrationEventMapper | undefined,
    /**
     * Named prepared statements. Off for servers whose connections share one session (the
     * embedded PGlite socket): a second connection's Parse of a name fails there with 42P05.
     */
    private named = true,
    /** Hears of each transaction written: batch size, events, duration (metrics). */
    private readonly observer?: AppendObserver,
  ) {}

  /** @returns per append, one AppendResult per part */
  async write(items: readonly BatchedAppend[]): Promise<Settled<AppendResult[]>[]> {
    try {
      return await this.writeTogether(items);
    } catch (caught) {
      const { error, committing } =
        caught instanceof BatchFailure ? caught : new BatchFailure(caught, false);
      if (committing) {
        // A server's refusal of the COMMIT (a deferred constraint) rolled it back; a lost
        // session leaves it unknown, and the caller must be told so, not "unavailable".
        const outcome = isDatabaseUnavailable(error) ? new CommitOutcomeUnknownError(error) : error;
        return items.map(() => ({ ok: false, error: outcome }));
      }
      if (pgErrorDetails(error).code === DUPLICATE_PREPARED_STATEMENT && this.named) {
        this.named = false; // see the constructor; the batch rolled back, write it again
        return this.write(items);
      }
      if (items.length === 1) {
        const [item] = items;
        const ids = item.parts.flatMap((part) => (part.command ? [part.command.id] : []));
        const append = { ...item, events: item.parts.flatMap((part) => part.events) };
        return [{ ok: false, error: translateAppendError(error, [append], ids) }];
      }
      const conflicted = items.findIndex((item) => conflictsOn(error, item.streamId));
      if (conflicted >= 0) {
        const rest = await this.write(items.filter((_, index) => index !== conflicted));
        const refused = (await this.write([items[conflicted]]))[0];
        return items.map((_, index) =>
          index === conflicted ? refused : rest[index < conflicted ? index : index - 1],
        );
      }
      // One at a time: a fallback must not take a connection per append from a shared pool.
      const outcomes: Settled<AppendResult[]>[] = [];
      for (const item of items) outcomes.push((await this.write([item]))[0]);
      return outcomes;
    }
  }

  /** @throws BatchFailure */
  private async writeTogether(items: readonly BatchedAppend[]): Promise<Settled<AppendResult[]>[]> {
    const client = await this.pool().connect();
    const started = performance.now();
    let written: Settled<AppendResult[]>[] | undefined;
    let broken: Error | undefined;
    // pg-pool listens for errors only on idle clients: a checked-out client whose socket dies
    // (a database restart, a terminated backend) emits 'error', and an unheard one ends the
    // process. The failing query rejects as well, so here it only marks the client broken.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      let committing = false;
      try {
        await client.query('BEGIN');
        const outcomes = await this.writeIn(client, items);
        committing = true;
        await client.query('COMMIT');
        written = outcomes;
        return outcomes;
      } catch (error) {
        if (!committing)
          await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
        else broken = error instanceof Error ? error : new Error(String(error));
        throw new BatchFailure(error, committing);
      }
    } finally {
      // Released without the statement's error: pg-pool would destroy the connection, and a
      // refused append is an ordinary outcome, not a broken session.
      client.removeListener('error', onError);
      client.release(broken);
      this.report(items, written, performance.now() - started);
    }
  }

  /** Tells the observer of a transaction: `written` is its outcomes when it committed. */
  private report(
    items: readonly BatchedAppend[],
    written: readonly Settled<AppendResult[]>[] | undefined,
    durationMs: number,
  ): void {
    let events = 0;
    for (const outcome of written ?? [])
      if (outcome.ok) for (const part of outcome.value) events += part.events.length;
    notifyObserver(this.observer, (o) =>
      o.transactionWritten?.({
        kind: 'group-commit',
        appends: items.length,
        events,
        durationMs,
        committed: written !== undefined,
      }),
    );
  }

  private async writeIn(
    client: PoolClient,
    items: readonly BatchedAppend[],
  ): Promise<Settled<AppendResult[]>[]> {
    const inputs = items.map(toInput);
    const { rows } = await client.query<BatchRow>({
      name: this.named ? 'ledgerline_append_batch_v3' : undefined,
      text: APPEND_BATCH_SQL,
      values: [JSON.stringify(inputs)],
    });
    const sent = new Map<string, EventInput>();
    for (const input of inputs) for (const event of input.events) sent.set(event.eventId, event);
    const outbox: OutboxRowDraft[] = [];
    const commands: { id: string; streamId: string; result: JsonValue }[] = [];
    const outcomes = items.map((item): Settled<AppendResult[]> => {
      const refused = rows.find((row) => row.refused && row.stream_id === item.streamId);
      if (refused) return { ok: false, error: refusal(item, refused) };
      const events = rows
        .filter((row) => !row.refused && row.stream_id === item.streamId)
        .map((row) => recorded(row, sent.get(row.event_id)))
        .sort((a, b) => a.streamVersion - b.streamVersion);
      if (this.outbox) outbox.push(...outboxRows(events, this.outbox));
      let offset = 0;
      const results = item.parts.map((part): AppendResult => {
        const own = events.slice(offset, offset + part.events.length);
        offset += part.events.length;
        const last = own[own.length - 1];
        const appended: AppendResult = {
          streamId: item.streamId,
          nextExpectedVersion: last.streamVersion,
          lastPosition: { transactionId: last.transactionId, globalPosition: last.globalPosition },
          events: own,
        };
        if (!part.command) return appended;
        const commandResult = part.command.result(appended);
        commands.push({ id: part.command.id, streamId: item.streamId, result: commandResult });
        return { ...appended, commandResult };
      });
      return { ok: true, value: results };
    });
    if (outbox.length > 0 || commands.length > 0)
      await client.query({
        name: this.named ? 'ledgerline_record_batch_v2' : undefined,
        text: RECORD_BATCH_SQL,
        values: [JSON.stringify(outbox), JSON.stringify(commands)],
      });
    return outcomes;
  }
}

function toInput({ streamId, expected, parts, snapshot }: BatchedAppend): {
  events: EventInput[];
} & Record<string, unknown> {
  return {
    streamId,
    kind: typeof expected === 'number' ? 'version' : expected,
    version: typeof expected === 'number' ? Math.min(expected, MAX_VERSION) : null,
    commandIds: parts.flatMap((part) => (part.command ? [part.command.id] : [])),
    snapshot: snapshot ? { schemaVersion: snapshot.schemaVersion, state: snapshot.state } : null,
    events: parts.flatMap(({ events, metadata }) =>
      events.map((event) => ({
        // Time-ordered (UUIDv7): the unique index on event ids grows at its right edge
        // instead of taking a random page per insert.
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
function recorded(row: BatchRow, event: EventInput | undefined): RecordedEvent {
  if (!event) throw new Error(`event ${row.event_id} came back but was never sent`);
  return toRecordedEvent({
    ...row,
    type: event.type,
    schema_version: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
  });
}

function refusal(item: BatchedAppend, row: BatchRow): Error {
  if (row.duplicate_id) return new DuplicateCommandError(row.duplicate_id);
  if (!row.first_write) return new AppendNotFirstWriteError(item.streamId);
  return new WrongExpectedVersionError(
    item.streamId,
    item.expected,
    row.current_version ?? undefined,
  );
}
