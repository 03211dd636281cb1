import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  CURRENCY_PART,
  DAY_PART,
  decodeCursor,
  encodeCursor,
} from '../../common/pagination/cursor';
import { DailyTotalPage, GetDailyTotalsQuery } from './get-daily-totals.query';

interface TotalsRow {
  day: string;
  currency: string;
  deposits_amount: string;
  deposits_count: number;
  withdrawals_amount: string;
  withdrawals_count: number;
}

const LIST = 'daily-totals';

/** The daily_totals read model between two UTC days, inclusive, in primary-key order. */
@QueryHandler(GetDailyTotalsQuery)
export class GetDailyTotalsHandler implements IQueryHandler<GetDailyTotalsQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({ from, to, limit, cursor }: GetDailyTotalsQuery): Promise<DailyTotalPage> {
    const after = cursor ? decodeCursor(cursor, LIST, [DAY_PART, CURRENCY_PART]) : undefined;
    const rows: TotalsRow[] = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, currency, deposits_amount::text AS deposits_amount, deposits_count,
              withdrawals_amount::text AS withdrawals_amount, withdrawals_count
         FROM daily_totals
        WHERE day BETWEEN $1::date AND $2::date
          AND ($3::date IS NULL OR (day, currency) > ($3::date, $4::text))
        ORDER BY day, currency
        LIMIT $5`,
      [from, to, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        day: row.day,
        currency: row.currency,
        deposits: { amount: row.deposits_amount, count: row.deposits_count },
        withdrawals: { amount: row.withdrawals_amount, count: row.withdrawals_count },
      })),
      nextCursor: rows.length > limit ? encodeCursor(LIST, [last.day, last.currency]) : null,
    };
  }
}
