import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DailyTotalView, GetDailyTotalsQuery } from './get-daily-totals.query';

interface TotalsRow {
  day: string;
  currency: string;
  deposits_amount: string;
  deposits_count: number;
  withdrawals_amount: string;
  withdrawals_count: number;
}

/** The daily_totals read model between two UTC days, inclusive. */
@QueryHandler(GetDailyTotalsQuery)
export class GetDailyTotalsHandler implements IQueryHandler<GetDailyTotalsQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({ from, to }: GetDailyTotalsQuery): Promise<DailyTotalView[]> {
    const rows: TotalsRow[] = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, currency, deposits_amount::text AS deposits_amount, deposits_count,
              withdrawals_amount::text AS withdrawals_amount, withdrawals_count
         FROM daily_totals WHERE day BETWEEN $1::date AND $2::date ORDER BY day, currency`,
      [from, to],
    );
    return rows.map((row) => ({
      day: row.day,
      currency: row.currency,
      deposits: { amount: row.deposits_amount, count: row.deposits_count },
      withdrawals: { amount: row.withdrawals_amount, count: row.withdrawals_count },
    }));
  }
}
