import { Inject } from '@nestjs/common';
import { ACCOUNT_REPOSITORY, AccountRepository, isAccountVisible } from '../../accounts';
import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import { Controller, Get, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { DataSource } from 'typeorm';
import { minorUnits } from '../../common/http/api-numbers';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { decodeCursor, encodeCursor, WHOLE_NUMBER_PART } from '../../common/pagination/cursor';
import { PageRequestDto } from '../../common/pagination/page.request.dto';

class NotificationsRequestDto extends PageRequestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  accountId!: string;
}

class WithdrawalNotificationDto {
  @ApiProperty({ format: 'uuid', description: 'The integration message it came from' })
  messageId!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty(minorUnits('Amount withdrawn')) amount!: number;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: Date;
}

class WithdrawalNotificationPageDto {
  @ApiProperty({ type: [WithdrawalNotificationDto], description: 'Newest first' })
  items!: WithdrawalNotificationDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Send as cursor for the next (older) page; null on the last page',
  })
  nextCursor!: string | null;
}

interface NotificationRow {
  id: string;
  message_id: string;
  account_id: string;
  amount: string;
  occurred_at: Date;
}

/** A notices cursor names its account: another account's cursor is refused, not followed. */
const cursorList = (accountId: string): string => `notifications:${accountId}`;

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
  ) {}

  @Get()
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    operationId: 'listWithdrawalNotifications',
    summary:
      'Withdrawal notices of an account, newest first (as an inbox is read), as the consumer of accounts.money-withdrawn recorded them',
  })
  @ApiOkResponse({ type: WithdrawalNotificationPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  async list(
    @Query() query: NotificationsRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<WithdrawalNotificationPageDto> {
    const accountId = query.accountId.toLowerCase();
    const limit = query.limit ?? 50;
    const before = query.cursor
      ? decodeCursor(query.cursor, cursorList(accountId), [WHOLE_NUMBER_PART])[0]
      : null;
    // Another customer's account lists nothing, as an unknown account does.
    if (!(await isAccountVisible(this.accounts, scope, accountId)))
      return { items: [], nextCursor: null };
    const rows = await this.dataSource.query<NotificationRow[]>(
      `SELECT id::text AS id, message_id, account_id, amount::text AS amount, occurred_at
         FROM withdrawal_notifications
        WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
        ORDER BY id DESC LIMIT $3`,
      [accountId, before, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({
        messageId: row.message_id,
        accountId: row.account_id,
        amount: Number(row.amount),
        occurredAt: row.occurred_at,
      })),
      nextCursor:
        rows.length > limit
          ? encodeCursor(cursorList(accountId), [page[page.length - 1].id])
          : null,
    };
  }
}
