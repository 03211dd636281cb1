import { Client } from 'pg';

/**
 * Opens `ids` on the CRUD baseline and deposits `openingBalance` on each (reference
 * `opening balance <id>`, unique as its ledger wants), through its HTTP API, 8 calls at a time.
 */
export async function seedCrudAccounts(
  baseUrl: string,
  ids: readonly string[],
  openingBalance: number,
): Promise<void> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`crud POST ${path}: ${response.status} ${text}`);
  };
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      await post('/accounts', { id, currency: 'EUR' });
      await post(`/accounts/${id}/deposits`, {
        amount: openingBalance,
        reference: `opening balance ${id}`,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * The CRUD baseline's books: every account's balance is the sum of its ledger entries and its
 * version their count (and its last entry's version); every ledger entry has exactly one outbox
 * message, of its account, amount and version; `accounts` accounts, no more.
 * Each transaction keeps these true, so they hold in any snapshot, requests in flight or not.
 */
export async function crudInvariants(
  admin: Client,
  schema: string,
  accounts: number,
): Promise<string[]> {
  const { rows } = await admin.query<{
    accounts: number;
    accounts_off: number;
    entries_without_one_message: number;
    messages_off: number;
    entries: number;
    messages: number;
  }>(
    `WITH totals AS (
       SELECT account_id, sum(amount) AS total, count(*) AS entries, max(account_version) AS last
         FROM ${schema}.ledger_entries GROUP BY account_id
     ), per_entry AS (
       SELECT ledger_entry_id, count(*) AS n FROM ${schema}.outbox GROUP BY ledger_entry_id
     )
     SELECT
       (SELECT count(*) FROM ${schema}.accounts)::int AS accounts,
       (SELECT count(*) FROM ${schema}.accounts a LEFT JOIN totals t ON t.account_id = a.id
         WHERE a.balance <> coalesce(t.total, 0) OR a.version <> coalesce(t.entries, 0)
            OR a.version <> coalesce(t.last, 0))::int AS accounts_off,
       (SELECT count(*) FROM ${schema}.ledger_entries l
          LEFT JOIN per_entry p ON p.ledger_entry_id = l.id
         WHERE p.n IS DISTINCT FROM 1)::int AS entries_without_one_message,
       (SELECT count(*) FROM ${schema}.outbox o
          JOIN ${schema}.ledger_entries l ON l.id = o.ledger_entry_id
         WHERE o.body->'data'->>'accountId' IS DISTINCT FROM l.account_id::text
            OR (o.body->'data'->>'amount')::bigint IS DISTINCT FROM l.amount
            OR (o.body->'data'->>'accountVersion')::int IS DISTINCT FROM l.account_version
       )::int AS messages_off,
       (SELECT count(*) FROM ${schema}.ledger_entries)::int AS entries,
       (SELECT count(*) FROM ${schema}.outbox)::int AS messages`,
  );
  const found = rows[0];
  const problems: string[] = [];
  if (found.accounts !== accounts) problems.push(`${found.accounts} accounts, ${accounts} opened`);
  if (found.accounts_off > 0) {
    problems.push(
      `${found.accounts_off} accounts whose balance or version their entries do not give`,
    );
  }
  if (found.entries_without_one_message > 0) {
    problems.push(
      `${found.entries_without_one_message} ledger entries without exactly one message`,
    );
  }
  if (found.messages_off > 0) problems.push(`${found.messages_off} messages unlike their entry`);
  if (found.messages !== found.entries) {
    problems.push(`${found.messages} outbox messages for ${found.entries} ledger entries`);
  }
  return problems;
}
