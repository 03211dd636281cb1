import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { CommitOutcomeUnknownError } from '../core/errors';
import { AppendResult } from '../core/event-store.port';
import { notifyObserver } from '../core/notify-observer';
import { translateAppendError } from './append-errors';
import { AppendObserver } from './append-observer';
import { AppendWriter, clientConnection, AppendWrite } from './append-writer';
import { isDatabaseUnavailable, pgErrorDetails, UNIQUE_VIOLATION } from './pg-errors';
import { Settled } from './group-commit';
import { AppendRoundTrips, BatchTransaction, lostPreparedStatement } from './batch-transaction';

/** Why a batch failed, and whether its COMMIT had been sent (then its outcome is unknown). */
class BatchFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly committing: boolean,
  ) {
    super('group commit batch failed');
  }
}

/** Whether `error` is a unique violation of `streamId`'s next version (another writer's). */
function conflictsOn(error: unknown, streamId: string): boolean {
  const { code, constraint, detail } = pgErrorDetails(error);
  return (
    code === UNIQUE_VIOLATION &&
    constraint === 'es_events_stream_version_key' &&
    (detail?.includes(`(${streamId},`) ?? false)
  );
}

/**
 * The group commit's transactions: a batch of independent appends (AppendWriter.writeEach) in
 * one transaction of four statements whatever its size: BEGIN; the append; the records;
 * COMMIT, sent in two round trips (BatchTransaction). An append refused by its guard fails alone. An error that fails a statement fails
 * only its own append: a concurrent append of the same version (another process) refuses the
 * stream it names and the rest is written again together; anything else (a command id
 * repeated in flight, a mapper that throws) makes each append try again alone, one at a time.
 * A failed COMMIT is never retried: whether it committed is unknown, and a retry could write
 * twice or report a conflict for an append that went in.
 */
export class BatchAppender {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: AppendWriter,
    /** Hears of each transaction written: batch size, events, duration (metrics). */
    private readonly observer?: AppendObserver,
    /** 2: BatchTransaction (values in the statements' text); 4: values as bind parameters. */
    private readonly roundTrips: AppendRoundTrips = 2,
  ) {}

  /**
   * @param prepared whether this is already the retry after a session lost its prepared
   * statements
   * @returns per append, one AppendResult per part
   */
  async write(items: readonly AppendWrite[], prepared = false): Promise<Settled<AppendResult[]>[]> {
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
      // A session whose statements were deallocated behind this process's back (a pooler's
      // DISCARD ALL) rolled back; the next attempt prepares them again.
      if (!prepared && lostPreparedStatement(error)) return this.write(items, true);
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
  private async writeTogether(items: readonly AppendWrite[]): Promise<Settled<AppendResult[]>[]> {
    // The query runner's own connection: the statements go to pg directly (TypeORM has no
    // prepared statements). The runner listens for the connection's errors (a socket that dies
    // while it is checked out) and then releases it as broken, so the pool never hands it out
    // again.
    const queryRunner = this.dataSource.createQueryRunner();
    const client = pgClientOf(await queryRunner.connect());
    const started = performance.now();
    let written: Settled<AppendResult[]>[] | undefined;
    try {
      written = await this.inTransaction(client, items);
      return written;
    } finally {
      // Released without the statement's error: a refused append is an ordinary outcome, not
      // a broken session.
      await queryRunner.release();
      this.report(items, written, performance.now() - started);
    }
  }

  /**
   * BEGIN, the append, the records, COMMIT: in two round trips (BatchTransaction) with named
   * statements, unless told to take four.
   * @throws BatchFailure
   */
  private async inTransaction(
    client: PoolClient,
    items: readonly AppendWrite[],
  ): Promise<Settled<AppendResult[]>[]> {
    const transaction =
      this.writer.namedStatements && this.roundTrips === 2
        ? new BatchTransaction(client, this.writer.statements)
        : undefined;
    let committing = false;
    try {
      if (transaction) {
        const outcomes = await this.writer.writeEach(transaction, items);
        committing = true;
        await transaction.commit();
        return outcomes;
      }
      await client.query('BEGIN');
      const outcomes = await this.writer.writeEach(clientConnection(client), items);
      committing = true;
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      const phase = transaction ? await transaction.phaseOf(error) : undefined;
      if (phase === 'unknown') {
        // The server refused a statement, then the session was lost before saying whether it
        // was the COMMIT: the batch may have committed.
        await client.end().catch(() => undefined);
        throw new BatchFailure(new CommitOutcomeUnknownError(error), true);
      }
      if (phase !== undefined) committing = phase === 'commit';
      // A session whose COMMIT or ROLLBACK failed is closed, never handed out again: it may
      // be lost (its query rejects before the pool hears of it), or the next batch on it could
      // join whatever it left open. A rollback on a lost session fails too; the first error
      // says what happened.
      const close = () => client.end().catch(() => undefined);
      if (committing) await close();
      else await client.query('ROLLBACK').catch(close);
      throw new BatchFailure(error, committing);
    }
  }

  /** Tells the observer of a transaction: `written` is its outcomes when it committed. */
  private report(
    items: readonly AppendWrite[],
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
}

/** The pg client a TypeORM postgres query runner connected (its `connect()` answers `any`). */
function pgClientOf(connection: unknown): PoolClient {
  if (
    typeof connection !== 'object' ||
    connection === null ||
    !('query' in connection) ||
    typeof connection.query !== 'function'
  )
    throw new Error('PostgresEventStore needs a TypeORM postgres DataSource');
  return connection as PoolClient;
}
