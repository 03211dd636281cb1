import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../../common/errors/api-error';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { ReadsProjection } from '../../projections/read-your-writes';
import { DAILY_TOTALS } from '../projections/daily-totals.projection';
import { DailyTotalPage, GetDailyTotalsQuery } from '../queries/get-daily-totals.query';
import { DailyTotalsRequestDto } from './dto/read-model.request.dto';
import { DailyTotalPageDto } from './dto/read-model.response.dto';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_RANGE_DAYS = 366;

@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('daily-totals')
  @Allow('teller', 'auditor')
  @ReadsProjection(DAILY_TOTALS)
  @ApiOperation({
    operationId: 'listDailyTotals',
    summary:
      'Deposits and withdrawals per UTC day and currency (read model, eventually consistent), by day then currency',
  })
  @ApiOkResponse({ type: DailyTotalPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  dailyTotals(@Query() query: DailyTotalsRequestDto): Promise<DailyTotalPage> {
    const from = Date.parse(`${query.from}T00:00:00Z`);
    const to = Date.parse(`${query.to}T00:00:00Z`);
    if (
      !DAY.test(query.from) ||
      !DAY.test(query.to) ||
      to < from ||
      (to - from) / 86_400_000 > MAX_RANGE_DAYS
    ) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `from and to must be days (YYYY-MM-DD), from <= to, at most ${MAX_RANGE_DAYS} days apart`,
        {
          errors: [{ field: 'to', messages: ['must be a day on or after from, within 366 days'] }],
        },
      );
    }
    return this.queries.execute(
      new GetDailyTotalsQuery(query.from, query.to, query.limit ?? 50, query.cursor),
    );
  }
}
