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
import { ApiProblems } from '../../common/http/api-problems.decorator';

class NotificationsRequestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  accountId!: string;
}

class WithdrawalNotificationDto {
  @ApiProperty({ format: 'uuid', description: 'The integration message it came from' })
  messageId!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ description: 'Minor units' }) amount!: number;
  @ApiProperty() occurredAt!: Date;
}

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
    summary:
      'Withdrawal notices of an account, newest first (at most 100), as the consumer of accounts.money-withdrawn recorded them',
  })
  @ApiOkResponse({ type: [WithdrawalNotificationDto] })
  @ApiProblems('VALIDATION_FAILED')
  async list(
    @Query() query: NotificationsRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<WithdrawalNotificationDto[]> {
    const accountId = query.accountId.toLowerCase();
    // Another customer's account lists nothing, as an unknown account does.
    if (!(await isAccountVisible(this.accounts, scope, accountId))) return [];
    const rows = await this.dataSource.query<
      { message_id: string; account_id: string; amount: string; occurred_at: Date }[]
    >(
      `SELECT message_id, account_id, amount::text AS amount, occurred_at
         FROM withdrawal_notifications WHERE account_id = $1 ORDER BY id DESC LIMIT 100`,
      [accountId],
    );
    return rows.map((row) => ({
      messageId: row.message_id,
      accountId: row.account_id,
      amount: Number(row.amount),
      occurredAt: row.occurred_at,
    }));
  }
}
