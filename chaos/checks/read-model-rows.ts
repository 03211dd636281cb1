/**
 * The customers, transfers and notifications read models as they must be, computed from the
 * book of record by SQL (no projection code in the reference), beside the live rows, in the
 * style of test/support/readside-expected-rows.ts (which covers the accounts projections).
 * Dates and amounts compare as text.
 */
const OCCURRED_AT = `(metadata->>'occurredAt')::timestamptz`;
const CUSTOMER_STREAMS = `stream_id LIKE 'customer-%' AND stream_id NOT LIKE 'customer-document-%'`;
const CONTACT_EVENTS = `type IN ('CustomerRegistered', 'CustomerContactDetailsChanged')`;

export const EXPECTED_CUSTOMER_SUMMARIES = `
SELECT substr(stream_id, 10)::uuid::text AS customer_id,
       (array_agg(data->>'name' ORDER BY stream_version DESC) FILTER (WHERE ${CONTACT_EVENTS}))[1] AS name,
       (array_agg(data->>'email' ORDER BY stream_version DESC) FILTER (WHERE ${CONTACT_EVENTS}))[1] AS email,
       min(data->>'documentNumber') FILTER (WHERE type = 'CustomerRegistered') AS document_number,
       CASE WHEN bool_or(type = 'CustomerUnregistered') THEN 'UNREGISTERED' ELSE 'ACTIVE' END AS status,
       (count(*) FILTER (WHERE type = 'CustomerAccountLinked')
        - count(*) FILTER (WHERE type = 'CustomerAccountUnlinked'))::int AS open_accounts,
       max(stream_version) AS version,
       (min(${OCCURRED_AT}) FILTER (WHERE type = 'CustomerRegistered'))::text AS registered_at,
       ((array_agg(${OCCURRED_AT} ORDER BY stream_version DESC))[1])::text AS updated_at
  FROM es_events WHERE ${CUSTOMER_STREAMS}
 GROUP BY 1 ORDER BY 1`;

export const LIVE_CUSTOMER_SUMMARIES = `
SELECT customer_id::text AS customer_id, name, email, document_number, status, open_accounts,
       version, registered_at::text AS registered_at, updated_at::text AS updated_at
  FROM customer_summaries ORDER BY 1`;

const TERMINAL_STATUS = `CASE type WHEN 'TransferCompleted' THEN 'COMPLETED'
                                    WHEN 'TransferFailed' THEN 'FAILED'
                                    WHEN 'TransferCompensated' THEN 'COMPENSATED' END`;

export const EXPECTED_TRANSFER_SUMMARIES = `
SELECT (data->>'transferId')::uuid::text AS transfer_id,
       min((data->>'fromAccountId')::uuid::text) FILTER (WHERE type = 'TransferInitiated') AS from_account_id,
       min((data->>'toAccountId')::uuid::text) FILTER (WHERE type = 'TransferInitiated') AS to_account_id,
       min(data->>'amount') FILTER (WHERE type = 'TransferInitiated') AS amount,
       min(data->>'currency') FILTER (WHERE type = 'TransferInitiated') AS currency,
       COALESCE((array_agg(${TERMINAL_STATUS} ORDER BY stream_version DESC))[1], 'PENDING') AS status,
       (array_agg(data->>'reason' ORDER BY stream_version DESC))[1] AS reason,
       (min(${OCCURRED_AT}) FILTER (WHERE type = 'TransferInitiated'))::text AS created_at,
       ((array_agg(${OCCURRED_AT} ORDER BY stream_version DESC))[1])::text AS updated_at
  FROM es_events WHERE stream_id LIKE 'transfer-%'
 GROUP BY 1 ORDER BY 1`;

export const LIVE_TRANSFER_SUMMARIES = `
SELECT transfer_id::text AS transfer_id, from_account_id::text AS from_account_id,
       to_account_id::text AS to_account_id, amount::text AS amount, currency, status, reason,
       created_at::text AS created_at, updated_at::text AS updated_at
  FROM transfer_summaries ORDER BY 1`;

/** One notice per published withdrawal (the consumer's inbox makes redeliveries no-ops). */
export const EXPECTED_WITHDRAWAL_NOTIFICATIONS = `
SELECT message_id::text AS message_id, (body->'data'->>'accountId')::uuid::text AS account_id,
       body->'data'->>'amount' AS amount
  FROM es_outbox WHERE type = 'accounts.money-withdrawn' ORDER BY 1`;

export const LIVE_WITHDRAWAL_NOTIFICATIONS = `
SELECT message_id::text AS message_id, account_id::text AS account_id, amount::text AS amount
  FROM withdrawal_notifications ORDER BY 1, id`;
