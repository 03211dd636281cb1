import {
  expectedAccountReadModels,
  liveAccountReadModels,
} from '../../test/support/readside-expected-rows';
import { CheckContext } from './check-context';
import {
  EXPECTED_CUSTOMER_SUMMARIES,
  EXPECTED_TRANSFER_SUMMARIES,
  expectedCustomerSummaries,
  EXPECTED_WITHDRAWAL_NOTIFICATIONS,
  LIVE_CUSTOMER_SUMMARIES,
  LIVE_TRANSFER_SUMMARIES,
  LIVE_WITHDRAWAL_NOTIFICATIONS,
} from './read-model-rows';
import { examples, Verdict, verdict } from './verdict';

interface TableDiff {
  readonly table: string;
  readonly expected: number;
  readonly live: number;
  readonly missing: string[];
  readonly extra: string[];
}

/** Rows compared as whole JSON documents (both sides list columns in one order). */
function diff(table: string, expected: readonly unknown[], live: readonly unknown[]): TableDiff {
  const count = (rows: readonly unknown[]) => {
    const counts = new Map<string, number>();
    for (const row of rows)
      counts.set(JSON.stringify(row), (counts.get(JSON.stringify(row)) ?? 0) + 1);
    return counts;
  };
  const want = count(expected);
  const have = count(live);
  const missing = [...want].filter(([row, n]) => (have.get(row) ?? 0) < n).map(([row]) => row);
  const extra = [...have].filter(([row, n]) => (want.get(row) ?? 0) < n).map(([row]) => row);
  return { table, expected: expected.length, live: live.length, missing, extra };
}

/**
 * Every read model equals a fold of the log: the accounts projections against
 * test/support/readside-expected-rows, transfers against the same kind of SQL, customers
 * against a fold of the log snapshot (personal fields opened), the withdrawal notifications
 * against the published withdrawals; and no projection parked. A personal field that does not
 * open fails it too: the customers' expected rows cannot be trusted then.
 */
export async function checkReadModels({ dataSource, log }: CheckContext): Promise<Verdict> {
  const expectedAccounts = await expectedAccountReadModels(dataSource);
  const liveAccounts = await liveAccountReadModels(dataSource);
  const query = (sql: string) => dataSource.query<unknown[]>(sql);
  const diffs = [
    diff('account_summaries', expectedAccounts.accountSummaries, liveAccounts.accountSummaries),
    diff('daily_totals', expectedAccounts.dailyTotals, liveAccounts.dailyTotals),
    diff(
      'daily_totals_currencies',
      expectedAccounts.dailyTotalsCurrencies,
      liveAccounts.dailyTotalsCurrencies,
    ),
    diff(
      'customer_summaries',
      await dataSource.query<unknown[]>(EXPECTED_CUSTOMER_SUMMARIES, [
        JSON.stringify(expectedCustomerSummaries(log)),
      ]),
      await query(LIVE_CUSTOMER_SUMMARIES),
    ),
    diff(
      'transfer_summaries',
      await query(EXPECTED_TRANSFER_SUMMARIES),
      await query(LIVE_TRANSFER_SUMMARIES),
    ),
    diff(
      'withdrawal_notifications',
      await query(EXPECTED_WITHDRAWAL_NOTIFICATIONS),
      await query(LIVE_WITHDRAWAL_NOTIFICATIONS),
    ),
  ];
  const parked = await dataSource.query<{ name: string; last_error: string | null }[]>(
    `SELECT name, last_error FROM es_projections WHERE parked`,
  );
  const wrong = diffs.filter((d) => d.missing.length || d.extra.length);
  const unreadable = log.personalData.unreadable.length;
  const summary = diffs
    .map(
      (d) =>
        `${d.table} ${d.live}/${d.expected}${d.missing.length || d.extra.length ? ` (${d.missing.length} missing, ${d.extra.length} extra)` : ''}`,
    )
    .join(', ');
  return verdict(
    'read-models',
    wrong.length === 0 && parked.length === 0 && unreadable === 0,
    `${summary}; ${parked.length} projection(s) parked` +
      (parked.length ? `: ${parked.map((p) => `${p.name} (${p.last_error})`).join(', ')}` : '') +
      (unreadable ? `; ${unreadable} personal field(s) of the log do not open` : ''),
    wrong.map((d) => ({ ...d, missing: examples(d.missing, 10), extra: examples(d.extra, 10) })),
  );
}
