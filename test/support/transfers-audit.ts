import { DataSource } from 'typeorm';

/**
 * The transfers' effects audited from the book of record alone (es_events, by SQL), with no
 * app code in the reference: what the crash tests compare the API against.
 */

export interface AccountAudit {
  accountId: string;
  currency: string;
  /** Everything deposited (the tests fund accounts by deposits only). */
  deposited: number;
  /** The balance after the stream's last event. */
  balance: number;
  /** The lowest running balance over the stream (0 when it never went below zero). */
  lowest: number;
}

const DELTA = `CASE type WHEN 'MoneyDeposited' THEN (data->>'amount')::bigint
                         WHEN 'MoneyWithdrawn' THEN -(data->>'amount')::bigint
                         WHEN 'MoneyDebitedForTransfer' THEN -(data->>'amount')::bigint
                         WHEN 'MoneyCreditedForTransfer' THEN (data->>'amount')::bigint
                         WHEN 'TransferDebitRefunded' THEN (data->>'amount')::bigint
                         ELSE 0 END`;

export async function auditAccounts(dataSource: DataSource): Promise<AccountAudit[]> {
  const rows = await dataSource.query<
    { account_id: string; currency: string; deposited: string; balance: string; lowest: string }[]
  >(
    `WITH moves AS (
       SELECT stream_id, type, data,
              ${DELTA} AS delta,
              sum(${DELTA}) OVER (PARTITION BY stream_id ORDER BY stream_version) AS running
         FROM es_events WHERE stream_id LIKE 'account-%')
     SELECT substr(stream_id, 9) AS account_id,
            min(data->>'currency') FILTER (WHERE type = 'AccountOpened') AS currency,
            COALESCE(sum(delta) FILTER (WHERE type = 'MoneyDeposited'), 0)::text AS deposited,
            sum(delta)::text AS balance,
            LEAST(0, min(running))::text AS lowest
       FROM moves GROUP BY stream_id ORDER BY stream_id`,
  );
  return rows.map((row) => ({
    accountId: row.account_id,
    currency: row.currency,
    deposited: Number(row.deposited),
    balance: Number(row.balance),
    lowest: Number(row.lowest),
  }));
}

export interface TransferAudit {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  initiated: number;
  debited: number;
  credited: number;
  cancelled: number;
  refunded: number;
  /** The source learned its debit is final (completed transfers only). */
  settled: number;
  /** Terminal events of the transfer's stream: exactly one once it has ended. */
  ended: number;
  /** COMPLETED, FAILED, COMPENSATED, or null while pending. */
  outcome: string | null;
  commandIds: number;
}

/** Per transfer id: how often each step happened, over every stream. */
export async function auditTransfers(dataSource: DataSource): Promise<TransferAudit[]> {
  const rows = await dataSource.query<
    {
      transfer_id: string;
      from_account_id: string;
      to_account_id: string;
      amount: string;
      initiated: number;
      debited: number;
      credited: number;
      cancelled: number;
      refunded: number;
      settled: number;
      ended: number;
      outcome: string | null;
      command_ids: number;
    }[]
  >(
    `SELECT data->>'transferId' AS transfer_id,
            min(data->>'fromAccountId') FILTER (WHERE type = 'TransferInitiated') AS from_account_id,
            min(data->>'toAccountId') FILTER (WHERE type = 'TransferInitiated') AS to_account_id,
            min(data->>'amount') FILTER (WHERE type = 'TransferInitiated') AS amount,
            count(*) FILTER (WHERE type = 'TransferInitiated')::int AS initiated,
            count(*) FILTER (WHERE type = 'MoneyDebitedForTransfer')::int AS debited,
            count(*) FILTER (WHERE type = 'MoneyCreditedForTransfer')::int AS credited,
            count(*) FILTER (WHERE type = 'TransferCreditCancelled')::int AS cancelled,
            count(*) FILTER (WHERE type = 'TransferDebitRefunded')::int AS refunded,
            count(*) FILTER (WHERE type = 'TransferDebitSettled')::int AS settled,
            count(*) FILTER (WHERE type IN ('TransferCompleted', 'TransferFailed',
                                            'TransferCompensated'))::int AS ended,
            min(CASE type WHEN 'TransferCompleted' THEN 'COMPLETED'
                          WHEN 'TransferFailed' THEN 'FAILED'
                          WHEN 'TransferCompensated' THEN 'COMPENSATED' END) AS outcome,
            count(DISTINCT metadata->>'commandId') FILTER (WHERE type = 'TransferInitiated')::int
              AS command_ids
       FROM es_events WHERE data ? 'transferId'
      GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((row) => ({
    transferId: row.transfer_id,
    fromAccountId: row.from_account_id,
    toAccountId: row.to_account_id,
    amount: Number(row.amount),
    initiated: row.initiated,
    debited: row.debited,
    credited: row.credited,
    cancelled: row.cancelled,
    refunded: row.refunded,
    settled: row.settled,
    ended: row.ended,
    outcome: row.outcome,
    commandIds: row.command_ids,
  }));
}

/**
 * What a transfer's steps must be given how it ended: a completed one debited, credited and
 * its debit settled once; a failed one moved nothing; a compensated one was debited and refunded exactly once.
 */
export function stepsFor(
  outcome: string | null,
): Pick<TransferAudit, 'debited' | 'credited' | 'cancelled' | 'refunded' | 'settled'> | null {
  switch (outcome) {
    case 'COMPLETED':
      return { debited: 1, credited: 1, cancelled: 0, refunded: 0, settled: 1 };
    case 'FAILED':
      return { debited: 0, credited: 0, cancelled: 0, refunded: 0, settled: 0 };
    case 'COMPENSATED':
      // The credit is cancelled on the destination before the refund, so it can never land.
      return { debited: 1, credited: 0, cancelled: 1, refunded: 1, settled: 0 };
    default:
      return null;
  }
}

/** Each account's balance as its deposits plus the effects of its COMPLETED transfers only. */
export function expectedBalances(
  accounts: readonly AccountAudit[],
  transfers: readonly TransferAudit[],
): Map<string, number> {
  const expected = new Map(accounts.map((a) => [a.accountId, a.deposited]));
  for (const t of transfers.filter((t) => t.outcome === 'COMPLETED')) {
    expected.set(t.fromAccountId, (expected.get(t.fromAccountId) ?? 0) - t.amount);
    expected.set(t.toAccountId, (expected.get(t.toAccountId) ?? 0) + t.amount);
  }
  return expected;
}

/** Sums per currency. */
export function totalsByCurrency(
  accounts: readonly AccountAudit[],
  field: 'deposited' | 'balance',
): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const a of accounts) totals[a.currency] = (totals[a.currency] ?? 0) + a[field];
  return totals;
}
