import { DataSource } from 'typeorm';

/**
 * The accounts read models as they must be, computed straight from the book of record
 * (es_events) by SQL, beside the same rows as the projections wrote them. Comparing the two
 * is the "equals a full replay" check of the read-side tests, with no projection code in the
 * reference. Dates and amounts are compared as text (no time-zone or bigint conversions).
 */
export interface AccountReadModels {
  accountSummaries: unknown[];
  dailyTotals: unknown[];
  dailyTotalsCurrencies: unknown[];
}

const ACCOUNT_EVENTS = `stream_id LIKE 'account-%'`;
const AMOUNT = `(data->>'amount')::bigint`;
const OCCURRED_AT = `(metadata->>'occurredAt')::timestamptz`;

const EXPECTED_SUMMARIES = `
SELECT (data->>'accountId')::uuid::text AS account_id,
       min(data->>'customerId') FILTER (WHERE type = 'AccountOpened') AS customer_id,
       min(data->>'currency') FILTER (WHERE type = 'AccountOpened') AS currency,
       COALESCE(sum(CASE type WHEN 'MoneyDeposited' THEN ${AMOUNT}
                              WHEN 'MoneyWithdrawn' THEN -${AMOUNT}
                              WHEN 'MoneyDebitedForTransfer' THEN -${AMOUNT}
                              WHEN 'MoneyCreditedForTransfer' THEN ${AMOUNT}
                              WHEN 'TransferDebitRefunded' THEN ${AMOUNT} END), 0)::text AS balance,
       CASE WHEN bool_or(type = 'AccountClosed') THEN 'CLOSED' ELSE 'OPEN' END AS status,
       max(stream_version) AS version,
       (min(${OCCURRED_AT}) FILTER (WHERE type = 'AccountOpened'))::text AS opened_at,
       ((array_agg(${OCCURRED_AT} ORDER BY stream_version DESC))[1])::text AS updated_at
  FROM es_events WHERE ${ACCOUNT_EVENTS}
 GROUP BY 1 ORDER BY 1`;

const LIVE_SUMMARIES = `
SELECT account_id::text AS account_id, customer_id::text AS customer_id, currency,
       balance::text AS balance, status, version, opened_at::text AS opened_at,
       updated_at::text AS updated_at
  FROM account_summaries ORDER BY 1`;

const EXPECTED_TOTALS = `
WITH currencies AS (
  SELECT data->>'accountId' AS account_id, data->>'currency' AS currency
    FROM es_events WHERE type = 'AccountOpened')
SELECT left(e.metadata->>'occurredAt', 10) AS day, c.currency,
       COALESCE(sum((e.data->>'amount')::bigint) FILTER (WHERE e.type = 'MoneyDeposited'), 0)::text AS deposits_amount,
       count(*) FILTER (WHERE e.type = 'MoneyDeposited')::int AS deposits_count,
       COALESCE(sum((e.data->>'amount')::bigint) FILTER (WHERE e.type = 'MoneyWithdrawn'), 0)::text AS withdrawals_amount,
       count(*) FILTER (WHERE e.type = 'MoneyWithdrawn')::int AS withdrawals_count
  FROM es_events e JOIN currencies c ON c.account_id = e.data->>'accountId'
 WHERE e.type IN ('MoneyDeposited', 'MoneyWithdrawn')
 GROUP BY 1, 2 ORDER BY 1, 2`;

const LIVE_TOTALS = `
SELECT day::text AS day, currency, deposits_amount::text AS deposits_amount, deposits_count,
       withdrawals_amount::text AS withdrawals_amount, withdrawals_count
  FROM daily_totals ORDER BY 1, 2`;

const EXPECTED_CURRENCIES = `
SELECT (data->>'accountId')::uuid::text AS account_id, data->>'currency' AS currency
  FROM es_events WHERE type = 'AccountOpened' ORDER BY 1`;

const LIVE_CURRENCIES = `
SELECT account_id::text AS account_id, currency FROM daily_totals_currencies ORDER BY 1`;

/** The rows the accounts projections must hold, from es_events alone. */
export async function expectedAccountReadModels(
  dataSource: DataSource,
): Promise<AccountReadModels> {
  return {
    accountSummaries: await dataSource.query(EXPECTED_SUMMARIES),
    dailyTotals: await dataSource.query(EXPECTED_TOTALS),
    dailyTotalsCurrencies: await dataSource.query(EXPECTED_CURRENCIES),
  };
}

/** The rows the accounts projections hold now. */
export async function liveAccountReadModels(dataSource: DataSource): Promise<AccountReadModels> {
  return {
    accountSummaries: await dataSource.query(LIVE_SUMMARIES),
    dailyTotals: await dataSource.query(LIVE_TOTALS),
    dailyTotalsCurrencies: await dataSource.query(LIVE_CURRENCIES),
  };
}
