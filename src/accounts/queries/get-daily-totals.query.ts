import { Query } from '@nestjs/cqrs';

export interface DailyTotalView {
  day: string;
  currency: string;
  /** Sums are decimal strings: a day's total can exceed what a JSON number holds exactly. */
  deposits: { amount: string; count: number };
  withdrawals: { amount: string; count: number };
}

export interface DailyTotalPage {
  items: DailyTotalView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** The daily totals between two UTC days, inclusive, by day then currency, keyset-paged. */
export class GetDailyTotalsQuery extends Query<DailyTotalPage> {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}
