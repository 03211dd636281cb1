import { Query } from '@nestjs/cqrs';

export interface DailyTotalView {
  day: string;
  currency: string;
  /** Sums are decimal strings: a day's total can exceed what a JSON number holds exactly. */
  deposits: { amount: string; count: number };
  withdrawals: { amount: string; count: number };
}

export class GetDailyTotalsQuery extends Query<DailyTotalView[]> {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super();
  }
}
