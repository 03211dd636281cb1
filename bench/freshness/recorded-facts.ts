// What the database recorded about the benchmark's writes, read on the admin session.
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { messageKey } from './broker-scope';
import type { LogOrder } from './checkpoint-poller';

/** How far the database's clock is ahead of this process's (timeOrigin + performance.now()). */
export interface ClockOffset {
  readonly offsetMs: number;
  /** Round trip of the reading used: the offset is known to within half of it. */
  readonly rttMs: number;
}

/** The reading with the shortest round trip of a few (the least uncertain). */
export async function clockOffset(client: Client): Promise<ClockOffset> {
  let best: ClockOffset = { offsetMs: NaN, rttMs: Infinity };
  for (let attempt = 0; attempt < 7; attempt++) {
    const before = performance.now();
    const { rows } = await client.query<{ ms: number }>(
      'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms',
    );
    const after = performance.now();
    if (after - before < best.rttMs) {
      const local = performance.timeOrigin + (before + after) / 2;
      best = { offsetMs: rows[0].ms - local, rttMs: after - before };
    }
  }
  return best;
}

/** A database timestamp (epoch ms) on this process's performance.now() scale. */
export const toLocal = (databaseMs: number, offset: ClockOffset): number =>
  databaseMs - offset.offsetMs - performance.timeOrigin;

/** One recorded event at a global position. */
export interface RecordedAt extends LogOrder {
  readonly streamId: string;
  readonly streamVersion: number;
  readonly type: string;
  /** `recorded_at` (the append transaction's start), database epoch ms. */
  readonly recordedMs: number;
}

export async function eventsAt(
  client: Client,
  schema: string,
  positions: readonly bigint[],
): Promise<Map<bigint, RecordedAt>> {
  const { rows } = await client.query<{
    pos: string;
    tx: string;
    stream_id: string;
    stream_version: number;
    type: string;
    recorded_ms: number;
  }>(
    `SELECT global_position::text AS pos, transaction_id::text AS tx, stream_id, stream_version,
            type, (extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms
       FROM ${schema}.es_events WHERE global_position = ANY($1::bigint[])`,
    [positions.map(String)],
  );
  return new Map(
    rows.map((row) => [
      BigInt(row.pos),
      {
        globalPosition: BigInt(row.pos),
        transactionId: BigInt(row.tx),
        streamId: row.stream_id,
        streamVersion: row.stream_version,
        type: row.type,
        recordedMs: row.recorded_ms,
      },
    ]),
  );
}

/** `published_at` (set after the broker's confirm; database epoch ms) per message key. */
export async function publishedAt(
  client: Client,
  schema: string,
  keys: readonly { streamId: string; streamVersion: number }[],
): Promise<Map<string, number>> {
  const { rows } = await client.query<{
    stream_id: string;
    stream_version: number;
    published_ms: number;
  }>(
    `SELECT o.stream_id, o.stream_version,
            (extract(epoch FROM o.published_at) * 1000)::float8 AS published_ms
       FROM ${schema}.es_outbox o
       JOIN unnest($1::text[], $2::int[]) AS k(stream_id, stream_version)
         ON o.stream_id = k.stream_id AND o.stream_version = k.stream_version
      WHERE o.status = 'published'`,
    [keys.map((key) => key.streamId), keys.map((key) => key.streamVersion)],
  );
  return new Map(
    rows.map((row) => [messageKey(row.stream_id, row.stream_version), row.published_ms]),
  );
}

/** Events the projection has not processed yet, and outbox rows not yet published. */
export async function backlog(
  client: Client,
  schema: string,
  projection: string,
): Promise<{ unprojected: number; unpublished: number }> {
  const { rows } = await client.query<{ unprojected: number; unpublished: number }>(
    `SELECT (SELECT count(*) FROM ${schema}.es_events e, ${schema}.es_projections p
              WHERE p.name = $1
                AND (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position)
            )::int AS unprojected,
            (SELECT count(*) FROM ${schema}.es_outbox WHERE status <> 'published')::int AS unpublished`,
    [projection],
  );
  return rows[0] ?? { unprojected: NaN, unpublished: NaN };
}

/** The whole schema, checked at the end: every committed deposit reached every reader. */
export interface FinalTally {
  /** MoneyDeposited events in the log (every deposit that committed). */
  readonly depositsLogged: number;
  /** Accounts whose read-model row lacks events of their stream (missing, behind, wrong balance). */
  readonly accountsWrong: number;
  readonly accounts: number;
  /** Outbox rows for MoneyDeposited events, and those of them published. */
  readonly depositMessages: number;
  readonly depositMessagesPublished: number;
  /** Every outbox message's key, to find each at the tap. */
  readonly outboxKeys: string[];
}

export async function finalTally(
  client: Client,
  schema: string,
  depositAmount: number,
): Promise<FinalTally> {
  const { rows } = await client.query<{
    deposits: number;
    wrong: number;
    accounts: number;
  }>(
    `WITH streams AS (
       SELECT substr(stream_id, length('account-') + 1)::uuid AS id,
              max(stream_version) AS version,
              count(*) FILTER (WHERE type = 'MoneyDeposited') AS deposits
         FROM ${schema}.es_events WHERE stream_id LIKE 'account-%' GROUP BY stream_id)
     SELECT COALESCE(sum(e.deposits), 0)::int AS deposits, count(*)::int AS accounts,
            count(*) FILTER (WHERE s.account_id IS NULL OR s.version <> e.version
                                OR s.balance <> e.deposits * $1::bigint)::int AS wrong
       FROM streams e LEFT JOIN ${schema}.account_summaries s ON s.account_id = e.id`,
    [depositAmount],
  );
  const outbox = await client.query<{
    stream_id: string;
    stream_version: number;
    type: string;
    status: string;
  }>(`SELECT stream_id, stream_version, type, status FROM ${schema}.es_outbox`);
  const deposits = outbox.rows.filter((row) => row.type === 'accounts.money-deposited');
  return {
    depositsLogged: rows[0].deposits,
    accountsWrong: rows[0].wrong,
    accounts: rows[0].accounts,
    depositMessages: deposits.length,
    depositMessagesPublished: deposits.filter((row) => row.status === 'published').length,
    outboxKeys: outbox.rows.map((row) => messageKey(row.stream_id, row.stream_version)),
  };
}
