import { httpApi } from './api';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { JsonObject } from '@ledgerline/event-sourcing';
import { transferCommandLabel } from '../../src/transfers/process/transfer-process.commands';
import type { TransferView } from '../../src/transfers/queries/transfer.views';
import { eventually } from './eventually';

export type { TransferView };

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'COMPLETED',
  'FAILED',
  'COMPENSATED',
]);

export interface TransferBody {
  fromAccountId: unknown;
  toAccountId: unknown;
  amount: unknown;
}

/** Thin helpers over the transfers routes, so tests read as banking steps. */
export function transfersApi(baseUrl: string | (() => string)) {
  const http = () => httpApi(typeof baseUrl === 'string' ? baseUrl : baseUrl());
  return {
    http,
    initiate: (body: TransferBody, headers: Record<string, string> = {}) =>
      http().post('/transfers').set(headers).send(body),
    /** POST /transfers expecting 202: the transfer id and the position of its first event. */
    async start(
      fromAccountId: string,
      toAccountId: string,
      amount: number,
    ): Promise<{ id: string; position: string }> {
      const response = await http()
        .post('/transfers')
        .send({ fromAccountId, toAccountId, amount })
        .expect(202);
      return response.body as { id: string; position: string };
    },
    async get(id: string): Promise<TransferView> {
      return (await http().get(`/transfers/${id}`).expect(200)).body as TransferView;
    },
    /** Polls GET /transfers/{id} until the transfer is terminal (bounded). */
    async settled(id: string, timeoutMs = 30_000): Promise<TransferView> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const view = (await http().get(`/transfers/${id}`).expect(200)).body as TransferView;
        if (TERMINAL_STATUSES.has(view.status)) return view;
        if (Date.now() > deadline)
          throw new Error(`transfer ${id} still ${view.status} after ${timeoutMs} ms`);
        await sleep(50);
      }
    },
  };
}

/**
 * One account's book of record, summed in SQL over its stream: the balance, the lowest running
 * balance (never below zero) and the event types in order.
 */
export async function accountLedger(
  dataSource: DataSource,
  accountId: string,
): Promise<{ balance: number; lowest: number; types: string[] }> {
  const rows = await dataSource.query<{ type: string; running: string }[]>(
    `SELECT type,
            sum(CASE type WHEN 'MoneyDeposited' THEN (data->>'amount')::bigint
                          WHEN 'MoneyWithdrawn' THEN -(data->>'amount')::bigint
                          WHEN 'MoneyDebitedForTransfer' THEN -(data->>'amount')::bigint
                          WHEN 'MoneyCreditedForTransfer' THEN (data->>'amount')::bigint
                          WHEN 'TransferDebitRefunded' THEN (data->>'amount')::bigint
                          ELSE 0 END) OVER (ORDER BY stream_version)::text AS running
       FROM es_events WHERE stream_id = $1 ORDER BY stream_version`,
    [`account-${accountId}`],
  );
  const running = rows.map((row) => Number(row.running));
  return {
    balance: running.length > 0 ? running[running.length - 1] : 0,
    lowest: Math.min(0, ...running),
    types: rows.map((row) => row.type),
  };
}

/** How many events of each type name `transferId` in their data, over every stream. */
export async function transferEventCounts(
  dataSource: DataSource,
  transferId: string,
): Promise<Record<string, number>> {
  const rows = await dataSource.query<{ type: string; n: number }[]>(
    `SELECT type, count(*)::int AS n FROM es_events WHERE data->>'transferId' = $1 GROUP BY type`,
    [transferId],
  );
  return Object.fromEntries(rows.map((row) => [row.type, row.n]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A real fault, no mock: a trigger that makes every insert of a MoneyCreditedForTransfer into
 * one account's stream fail with a plain SQL error (not a domain refusal, so the process
 * manager's worker retries the credit). Each refused insert bumps a sequence first (sequences
 * ignore rollbacks), so `hits` counts them. `release` drops the trigger.
 */
export async function blockCreditsTo(
  dataSource: DataSource,
  schema: string,
  accountId: string,
): Promise<{ hits(): Promise<number>; release(): Promise<void> }> {
  if (!UUID.test(accountId)) throw new Error(`not an account id: ${accountId}`);
  const name = `transfers_block_credit_${accountId.replace(/-/g, '').slice(0, 16)}`;
  await dataSource.query(`CREATE SEQUENCE ${schema}.${name}_hits`);
  await dataSource.query(
    `CREATE FUNCTION ${schema}.${name}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM nextval('${schema}.${name}_hits');
       RAISE EXCEPTION 'test fault: credits to % are blocked', NEW.stream_id;
     END $$`,
  );
  await dataSource.query(
    `CREATE TRIGGER ${name} BEFORE INSERT ON ${schema}.es_events FOR EACH ROW
     WHEN (NEW.type = 'MoneyCreditedForTransfer' AND NEW.stream_id = 'account-${accountId}')
     EXECUTE FUNCTION ${schema}.${name}()`,
  );
  return {
    async hits() {
      const [row] = await dataSource.query<{ n: string }[]>(
        `SELECT CASE WHEN is_called THEN last_value ELSE 0 END::text AS n FROM ${schema}.${name}_hits`,
      );
      return Number(row.n);
    },
    async release() {
      await dataSource.query(`DROP TRIGGER IF EXISTS ${name} ON ${schema}.es_events`);
      await dataSource.query(`DROP FUNCTION IF EXISTS ${schema}.${name}()`);
    },
  };
}

/** One stored command of the transfer process, as the tests look at it. */
export interface StoredTransferCommand {
  id: string;
  /** The stored type: the class name (or an earlier version's type). */
  type: string;
  /** What it does, whichever version stored it: `TransferStepCommand credit`, `SettleTransferCommand`. */
  label: string;
  data: JsonObject;
  status: string;
  attempts: number;
  outcome: string | null;
}

/** The transfer process's stored commands for one transfer, in the order they were decided. */
export async function processCommandsOf(
  dataSource: DataSource,
  transferId: string,
): Promise<StoredTransferCommand[]> {
  const rows = await dataSource.query<Omit<StoredTransferCommand, 'label'>[]>(
    `SELECT id, type, data, status, attempts, outcome FROM es_process_commands
      WHERE process_id = $1 ORDER BY seq`,
    [transferId],
  );
  return rows.map((row) => ({ ...row, label: transferCommandLabel(row) }));
}

/** The transfer process's deadlines for one transfer. */
export async function deadlinesOf(
  dataSource: DataSource,
  transferId: string,
): Promise<{ key: string; status: string; due_at: Date; fired_at: Date | null }[]> {
  return dataSource.query(
    `SELECT key, status, due_at, fired_at FROM es_process_deadlines WHERE process_id = $1`,
    [transferId],
  );
}

/**
 * Makes the transfer's pending deadlines due now, once the process has scheduled one: the test
 * decides when a deadline fires instead of racing a short timer against a loaded machine.
 */
export async function makeDeadlinesDue(dataSource: DataSource, transferId: string): Promise<void> {
  await eventually(async () => {
    const [{ moved }] = await dataSource.query<{ moved: number }[]>(
      `WITH moved AS (
         UPDATE es_process_deadlines SET due_at = now() - interval '1 second'
          WHERE process_id = $1 AND status = 'pending' RETURNING 1)
       SELECT count(*)::int AS moved FROM moved`,
      [transferId],
    );
    expect(moved).toBeGreaterThan(0);
  }, 30_000);
}
