import { NoBody } from '../../common/http/no-body.decorator';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import { CommandContext } from '../../common/commands/command-context';
import { ApiProblems } from '../../common/http/api-problems.decorator';
import { WriteContext } from '../../common/http/command-context.decorator';
import { versionTag } from '../../common/http/if-match';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiWrite } from '../../common/http/api-write.decorator';
import { AccountWriteResult, MoneyMovementResult } from '../commands/account-command.results';
import { CloseAccountCommand } from '../commands/close-account.command';
import { DepositMoneyCommand } from '../commands/deposit-money.command';
import { OpenAccountCommand } from '../commands/open-account.command';
import { WithdrawMoneyCommand } from '../commands/withdraw-money.command';
import { AccountHistoryPage, AccountView, BalanceAsOfView } from '../queries/account.views';
import { GetAccountHistoryQuery } from '../queries/get-account-history.query';
import { GetAccountQuery } from '../queries/get-account.query';
import { GetBalanceAsOfQuery } from '../queries/get-balance-as-of.query';
import { AccountHistoryRequestDto, BalanceAsOfRequestDto } from './dto/account-queries.request.dto';
import {
  AccountHistoryResponseDto,
  AccountResponseDto,
  AccountWriteResponseDto,
  BalanceAsOfResponseDto,
  MoneyMovementResponseDto,
} from './dto/account.response.dto';
import { DepositRequestDto, MoneyMovementRequestDto } from './dto/money-movement.request.dto';
import { ListAccountsRequestDto } from './dto/read-model.request.dto';
import { AccountPageDto } from './dto/read-model.response.dto';
import { ReadsProjection } from '../../projections/read-your-writes';
import { ACCOUNT_SUMMARIES } from '../projections/account-summaries.projection';
import { AccountPage, ListAccountsQuery } from '../queries/list-accounts.query';
import { OpenAccountRequestDto } from './dto/open-account.request.dto';

/** The accounts API: translates HTTP to commands and queries; no business logic here. */
@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Allow('teller', 'customer')
  @ApiOperation({
    summary: 'Open an account for an active (registered) customer in one currency',
  })
  @ApiCreatedResponse({ type: AccountWriteResponseDto })
  @ApiWrite({ body: true, ifMatch: false, problems: ['CUSTOMER_NOT_FOUND'] })
  open(
    @Body() body: OpenAccountRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<AccountWriteResult> {
    return this.commands.execute(
      new OpenAccountCommand(randomUUID(), body.customerId.toLowerCase(), body.currency, context),
    );
  }

  @Get()
  @Allow('teller', 'auditor', 'customer')
  @ReadsProjection(ACCOUNT_SUMMARIES)
  @ApiOperation({
    summary:
      'List accounts from the account-summaries read model (eventually consistent; see X-Min-Position)',
  })
  @ApiOkResponse({ type: AccountPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', 'INVALID_MIN_POSITION', 'READ_MODEL_BEHIND')
  list(
    @Query() query: ListAccountsRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<AccountPage> {
    return this.queries.execute(
      new ListAccountsQuery(
        { customerId: query.customerId?.toLowerCase(), status: query.status },
        query.limit ?? 50,
        query.cursor,
        scope,
      ),
    );
  }

  @Get(':id')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({ summary: 'The account, folded from its event stream; ETag is its version' })
  @ApiOkResponse({
    type: AccountResponseDto,
    headers: { ETag: { description: 'Stream version, e.g. "3"', schema: { type: 'string' } } },
  })
  @ApiProblems('INVALID_ID', 'ACCOUNT_NOT_FOUND')
  async get(
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) response: Response,
    @CallerScope() scope: AccessScope,
  ): Promise<AccountView> {
    const account = await this.queries.execute(new GetAccountQuery(id, scope));
    response.setHeader('ETag', versionTag(account.version));
    return account;
  }

  @Get(':id/events')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    summary: "The account's event history (audit trail), oldest first, paged by version",
  })
  @ApiOkResponse({ type: AccountHistoryResponseDto })
  @ApiProblems('INVALID_ID', 'VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND')
  history(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: AccountHistoryRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<AccountHistoryPage> {
    return this.queries.execute(
      new GetAccountHistoryQuery(id, query.fromVersion ?? 1, query.limit ?? 100, scope),
    );
  }

  @Get(':id/balance')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({ summary: 'The balance as of an instant (temporal query over the event stream)' })
  @ApiOkResponse({ type: BalanceAsOfResponseDto })
  @ApiProblems('INVALID_ID', 'VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND')
  balance(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: BalanceAsOfRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<BalanceAsOfView> {
    return this.queries.execute(
      new GetBalanceAsOfQuery(id, query.asOf ? new Date(query.asOf) : new Date(), scope),
    );
  }

  @Post(':id/deposits')
  @Allow('teller')
  @ApiOperation({ summary: 'Deposit money' })
  @ApiCreatedResponse({ type: MoneyMovementResponseDto })
  @ApiWrite({
    body: true,
    ifMatch: true,
    problems: ['INVALID_ID', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED', 'BALANCE_LIMIT_EXCEEDED'],
  })
  deposit(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: DepositRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<MoneyMovementResult> {
    return this.commands.execute(
      new DepositMoneyCommand(
        id,
        body.amount,
        body.reference ?? null,
        body.channel ?? 'online',
        context,
      ),
    );
  }

  @Post(':id/withdrawals')
  @Allow('teller', 'customer')
  @ApiOperation({ summary: 'Withdraw money; the balance never goes negative' })
  @ApiCreatedResponse({ type: MoneyMovementResponseDto })
  @ApiWrite({
    body: true,
    ifMatch: true,
    problems: ['INVALID_ID', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED', 'INSUFFICIENT_FUNDS'],
  })
  withdraw(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: MoneyMovementRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<MoneyMovementResult> {
    return this.commands.execute(
      new WithdrawMoneyCommand(id, body.amount, body.reference ?? null, context),
    );
  }

  @Post(':id/close')
  @NoBody()
  @Allow('teller', 'customer')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Close an account whose balance is zero' })
  @ApiOkResponse({ type: AccountWriteResponseDto })
  @ApiWrite({
    body: false,
    ifMatch: true,
    problems: [
      'INVALID_ID',
      'ACCOUNT_NOT_FOUND',
      'ACCOUNT_CLOSED',
      'BALANCE_NOT_ZERO',
      'TRANSFER_IN_FLIGHT',
    ],
  })
  close(
    @Param('id', UuidParamPipe) id: string,
    @WriteContext() context: CommandContext,
  ): Promise<AccountWriteResult> {
    return this.commands.execute(new CloseAccountCommand(id, context));
  }
}
