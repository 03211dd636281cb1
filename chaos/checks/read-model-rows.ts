import { LogSnapshot } from './log-snapshot';

/**
 * The customers, transfers and notifications read models as they must be, computed from the
 * book of record (no projection code in the reference), beside the live rows, in the style of
 * test/support/readside-expected-rows.ts (which covers the accounts projections). Transfers
 * and notifications are SQL folds of es_events; customers are folded here from the log
 * snapshot, whose personal fields are opened (es_events holds them sealed), and put through
 * SQL for the column types and text forms. Dates and amounts compare as text.
 */
const OCCURRED_AT = `(metadata->>'occurredAt')::timestamptz`;

/** A customer_summaries row as folded from the log, before SQL gives it its text forms. */
export interface CustomerSummaryFold {
  /** From the stream id; `::uuid::text` in SQL. */
  readonly customer_id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly document_number: string | null;
  readonly status: 'ACTIVE' | 'UNREGISTERED';
  readonly open_accounts: number;
  readonly version: number;
  /** occurredAt as stored; `::timestamptz::text` in SQL. */
  readonly registered_at: string | null;
  readonly updated_at: string | null;
}

const CUSTOMER_PREFIX = 'customer-';
const CONTACT_EVENTS: ReadonlySet<string> = new Set([
  'CustomerRegistered',
  'CustomerContactDetailsChanged',
]);

/** `data->>'field'`: null when absent or JSON null, a string as is, anything else as JSON. */
function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Per customer stream (`customer-<id>`, not `customer-document-…`): name and email of the
 * latest registration or contact change; the registration's document number (the least, as
 * `min` would, if there were several); UNREGISTERED once unregistered; accounts linked minus
 * unlinked; the highest version; the earliest registration's and the latest event's
 * occurredAt. The same semantics as the SQL fold this replaces, over the opened data.
 */
export function expectedCustomerSummaries(log: LogSnapshot): CustomerSummaryFold[] {
  const rows: CustomerSummaryFold[] = [];
  for (const [streamId, events] of log.byStream) {
    if (!streamId.startsWith(CUSTOMER_PREFIX) || streamId.startsWith('customer-document-'))
      continue;
    const ordered = [...events].sort((a, b) => a.version - b.version);
    const contact = ordered.filter((event) => CONTACT_EVENTS.has(event.type)).at(-1);
    const registrations = ordered.filter((event) => event.type === 'CustomerRegistered');
    const documents = registrations
      .map((event) => jsonText(event.data.documentNumber))
      .filter((document): document is string => document !== null)
      .sort();
    const registeredAt = registrations
      .map((event) => event.occurredAt)
      .filter((at): at is string => at !== null)
      .sort((a, b) => Date.parse(a) - Date.parse(b));
    const count = (type: string) => ordered.filter((event) => event.type === type).length;
    rows.push({
      customer_id: streamId.slice(CUSTOMER_PREFIX.length),
      name: jsonText(contact?.data.name),
      email: jsonText(contact?.data.email),
      document_number: documents[0] ?? null,
      status: count('CustomerUnregistered') > 0 ? 'UNREGISTERED' : 'ACTIVE',
      open_accounts: count('CustomerAccountLinked') - count('CustomerAccountUnlinked'),
      version: Math.max(...ordered.map((event) => event.version)),
      registered_at: registeredAt[0] ?? null,
      updated_at: ordered.at(-1)?.occurredAt ?? null,
    });
  }
  return rows;
}

/**
 * $1: the folded rows as a JSON array. Gives them the types and text forms
 * LIVE_CUSTOMER_SUMMARIES reads (uuid and timestamptz as PostgreSQL prints them in this
 * session), so both sides compare as JSON documents.
 */
export const EXPECTED_CUSTOMER_SUMMARIES = `
SELECT r.customer_id::uuid::text AS customer_id, r.name, r.email, r.document_number, r.status,
       r.open_accounts, r.version, r.registered_at::timestamptz::text AS registered_at,
       r.updated_at::timestamptz::text AS updated_at
  FROM jsonb_to_recordset($1::jsonb) AS r(customer_id text, name text, email text,
       document_number text, status text, open_accounts int, version int, registered_at text,
       updated_at text)
 ORDER BY 1`;

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
