import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import {
  AppendNotFirstWriteError,
  DuplicateCommandError,
  WrongExpectedVersionError,
} from '../core/errors';
import { NewEvent } from '../core/event';
import { AppendOptions, AppendResult } from '../core/event-store.port';
import { ExpectedVersion } from '../core/expected-version';
import { JsonValue } from '../core/json';
import { IntegrationEventMapper } from '../outbox/outbox-message';
import { translateAppendError } from './append-errors';
import { Settled } from './group-commit';
import { outboxRows, OutboxRowDraft } from './outbox-rows';
import { APPEND_BATCH_SQL, RECORD_BATCH_SQL } from './sql/append-batch.sql';
import { EventRow, toRecordedEvent } from './sql/event-row';

const MAX_VERSION = 2_147_483_647; // stream_version is a PostgreSQL integer

/** One appendToStream call waiting for its group commit. */
export interface BatchedAppend {
  /** The stream: never twice in one batch. */
  readonly key: string;
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly events: readonly NewEvent[];
  readonly options: AppendOptions;
}

type BatchRow = EventRow & {
  refused: boolean;
  first_write: boolean | null;
  duplicate: boolean | null;
  current_version: number | null;
};

/**
 * Writes a batch of independent appends in one transaction of four statements whatever its
 * size: BEGIN; events and snapshots (APPEND_BATCH_SQL); outbox rows and command records
 * (RECORD_BATCH_SQL); COMMIT. Both statements are named, so each connection parses and plans
 * them once. An append refused by its guard fails alone; an error that fails the statement
 * (a concurrent append of the same version, a command id repeated in flight, a mapper that
 * throws) makes each append of the batch try again alone, so it fails only its own.
 */
export class BatchAppender {
  constructor(
    private readonly pool: () => Pool,
    private readonly outbox: IntegrationEventMapper | undefined,
  ) {}

  async write(items: readonly BatchedAppend[]): Promise<Settled<AppendResult>[]> {
    try {
      return await this.writeTogether(items);
    } catch (error) {
      if (items.length === 1) {
        const [item] = items;
        return [
          { ok: false, error: translateAppendError(error, [item], item.options.command?.id) },
        ];
      }
      const alone = await Promise.all(items.map((item) => this.write([item])));
      return alone.map(([outcome]) => outcome);
    }
  }

  private async writeTogether(items: readonly BatchedAppend[]): Promise<Settled<AppendResult>[]> {
    const client = await this.pool().connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const outcomes = await this.writeIn(client, items);
        await client.query('COMMIT');
        return outcomes;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
        throw error;
      }
    } finally {
      // Released without the statement's error: pg-pool would destroy the connection, and a
      // refused append is an ordinary outcome, not a broken session.
      client.release(broken);
    }
  }

  private async writeIn(
    client: PoolClient,
    items: readonly BatchedAppend[],
  ): Promise<Settled<AppendResult>[]> {
    const { rows } = await client.query<BatchRow>({
      name: 'ledgerline_append_batch_v1',
      text: APPEND_BATCH_SQL,
      values: [JSON.stringify(items.map(toInput))],
    });
    const outbox: OutboxRowDraft[] = [];
    const commands: { id: string; streamId: string; result: JsonValue }[] = [];
    const outcomes = items.map((item): Settled<AppendResult> => {
      const refused = rows.find((row) => row.refused && row.stream_id === item.streamId);
      if (refused) return { ok: false, error: refusal(item, refused) };
      const events = rows
        .filter((row) => !row.refused && row.stream_id === item.streamId)
        .map(toRecordedEvent)
        .sort((a, b) => a.streamVersion - b.streamVersion);
      const last = events[events.length - 1];
      const appended: AppendResult = {
        streamId: item.streamId,
        nextExpectedVersion: last.streamVersion,
        lastPosition: { transactionId: last.transactionId, globalPosition: last.globalPosition },
        events,
      };
      if (this.outbox) outbox.push(...outboxRows(events, this.outbox));
      const command = item.options.command;
      if (!command) return { ok: true, value: appended };
      const commandResult = command.result(appended);
      commands.push({ id: command.id, streamId: item.streamId, result: commandResult });
      return { ok: true, value: { ...appended, commandResult } };
    });
    if (outbox.length > 0 || commands.length > 0)
      await client.query({
        name: 'ledgerline_record_batch_v1',
        text: RECORD_BATCH_SQL,
        values: [JSON.stringify(outbox), JSON.stringify(commands)],
      });
    return outcomes;
  }
}

function toInput({ streamId, expected, events, options }: BatchedAppend): JsonValue {
  return {
    streamId,
    kind: typeof expected === 'number' ? 'version' : expected,
    version: typeof expected === 'number' ? Math.min(expected, MAX_VERSION) : null,
    commandId: options.command?.id ?? null,
    snapshot: options.snapshot
      ? { schemaVersion: options.snapshot.schemaVersion, state: options.snapshot.state }
      : null,
    events: events.map((event) => ({
      eventId: randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data,
      metadata: { ...options.metadata },
    })),
  };
}

function refusal(item: BatchedAppend, row: BatchRow): Error {
  if (row.duplicate) return new DuplicateCommandError(item.options.command?.id ?? '');
  if (!row.first_write) return new AppendNotFirstWriteError(item.streamId);
  return new WrongExpectedVersionError(
    item.streamId,
    item.expected,
    row.current_version ?? undefined,
  );
}
