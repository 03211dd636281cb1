import { Controller, Get, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Allow } from '../../auth/access-policy.decorator';
import { ApiProblems } from '../../common/http/api-problems.decorator';
import { PageRequestDto } from '../../common/pagination/page.request.dto';
import { decodeCursor, encodeCursor } from '../../common/pagination/uuid-cursor';

class LargeTransactionDto {
  @ApiProperty({ format: 'uuid', description: 'The event that recorded the movement' })
  eventId!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ enum: ['deposit', 'withdrawal'] }) kind!: 'deposit' | 'withdrawal';
  @ApiProperty({ type: 'integer', format: 'int64', description: 'Minor units' }) amount!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
}

class LargeTransactionPageDto {
  @ApiProperty({ type: [LargeTransactionDto] }) items!: LargeTransactionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

interface LargeTransactionRow {
  event_id: string;
  account_id: string;
  kind: 'deposit' | 'withdrawal';
  amount: string;
  occurred_at: Date;
}

@ApiTags('compliance')
@Controller('compliance/large-transactions')
export class LargeTransactionsController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @Allow('auditor', 'admin')
  @ApiOperation({
    operationId: 'listLargeTransactions',
    summary:
      'Deposits and withdrawals at or above LARGE_TRANSACTION_THRESHOLD, oldest first (in commit order)',
  })
  @ApiOkResponse({ type: LargeTransactionPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR')
  async list(@Query() page: PageRequestDto): Promise<LargeTransactionPageDto> {
    const limit = page.limit ?? 50;
    const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
    const rows = await this.dataSource.query<LargeTransactionRow[]>(
      `SELECT event_id, account_id, kind, amount::text AS amount, occurred_at
         FROM compliance_large_transactions
        WHERE $1::uuid IS NULL
           OR global_position > (SELECT global_position FROM compliance_large_transactions
                                  WHERE event_id = $1::uuid)
        ORDER BY global_position
        LIMIT $2`,
      [after, limit + 1],
    );
    const items = rows.slice(0, limit).map((row) => ({
      eventId: row.event_id,
      accountId: row.account_id,
      kind: row.kind,
      amount: Number(row.amount),
      occurredAt: row.occurred_at.toISOString(),
    }));
    return {
      items,
      nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].eventId) : null,
    };
  }
}
