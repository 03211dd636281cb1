import { Projection, ProjectionTransaction, RecordedEvent } from '@ledgerline/event-sourcing';
import { AccountEvent, AccountEventType } from '../domain/account.events';

export const DAILY_TOTALS = 'daily-totals';
const TOTALS = 'daily_totals';
// The projection keeps its own account -> currency map: reading another projection's table
// would make a rebuild depend on how far that one had got.
const CURRENCIES = 'daily_totals_currencies';

interface Totals {
  day: string;
  currency: string;
  depositsAmount: number;
  depositsCount: number;
  withdrawalsAmount: number;
  withdrawalsCount: number;
}

/** Deposits and withdrawals per UTC day (of occurrence) and currency. */
export const dailyTotalsProjection: Projection = {
  name: DAILY_TOTALS,
  eventTypes: [AccountEventType.opened, AccountEventType.deposited, AccountEventType.withdrawn],
  tables: [TOTALS, CURRENCIES],
  lifecycle: 'async',
  async apply(events: readonly RecordedEvent[], tx: ProjectionTransaction): Promise<void> {
    const typed = events.map((recorded) => ({
      recorded,
      event: { type: recorded.type, data: recorded.data } as AccountEvent,
    }));
    const currencies = new Map<string, string>();
    for (const { event } of typed) {
      if (event.type === AccountEventType.opened)
        currencies.set(event.data.accountId, event.data.currency);
    }
    if (currencies.size > 0) {
      await tx.query(
        `INSERT INTO ${tx.table(CURRENCIES)} (account_id, currency) SELECT * FROM unnest($1::uuid[], $2::text[])`,
        [[...currencies.keys()], [...currencies.values()]],
      );
    }
    const unknown = [
      ...new Set(
        typed.map(({ event }) => event.data.accountId).filter((id) => !currencies.has(id)),
      ),
    ];
    if (unknown.length > 0) {
      const rows = await tx.query<{ account_id: string; currency: string }>(
        `SELECT account_id, currency FROM ${tx.table(CURRENCIES)} WHERE account_id = ANY($1::uuid[])`,
        [unknown],
      );
      for (const row of rows) currencies.set(row.account_id, row.currency);
    }
    const totals = new Map<string, Totals>();
    for (const { recorded, event } of typed) {
      if (event.type !== AccountEventType.deposited && event.type !== AccountEventType.withdrawn)
        continue;
      const currency = currencies.get(event.data.accountId);
      // Every stream starts with AccountOpened: an unknown account means a broken log order.
      // Fail (and park, visibly) rather than drop the movement.
      if (currency === undefined)
        throw new Error(
          `daily-totals: movement on account ${event.data.accountId} before it was opened`,
        );
      const day = recorded.metadata.occurredAt.slice(0, 10);
      const key = `${day}|${currency}`;
      const row = totals.get(key) ?? {
        day,
        currency,
        depositsAmount: 0,
        depositsCount: 0,
        withdrawalsAmount: 0,
        withdrawalsCount: 0,
      };
      if (event.type === AccountEventType.deposited) {
        row.depositsAmount += event.data.amount;
        row.depositsCount += 1;
      } else {
        row.withdrawalsAmount += event.data.amount;
        row.withdrawalsCount += 1;
      }
      totals.set(key, row);
    }
    if (totals.size === 0) return;
    const rows = [...totals.values()];
    await tx.query(
      `INSERT INTO ${tx.table(TOTALS)} AS t (day, currency, deposits_amount, deposits_count, withdrawals_amount, withdrawals_count)
       SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[], $4::int[], $5::bigint[], $6::int[])
       ON CONFLICT (day, currency) DO UPDATE
          SET deposits_amount = t.deposits_amount + EXCLUDED.deposits_amount,
              deposits_count = t.deposits_count + EXCLUDED.deposits_count,
              withdrawals_amount = t.withdrawals_amount + EXCLUDED.withdrawals_amount,
              withdrawals_count = t.withdrawals_count + EXCLUDED.withdrawals_count`,
      [
        rows.map((r) => r.day),
        rows.map((r) => r.currency),
        rows.map((r) => r.depositsAmount),
        rows.map((r) => r.depositsCount),
        rows.map((r) => r.withdrawalsAmount),
        rows.map((r) => r.withdrawalsCount),
      ],
    );
  },
};
