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
import { CommandContext } from '../../common/commands/command-context';
import { ApiProblems } from '../../common/http/api-problems.decorator';
import { WriteContext } from '../../common/http/command-context.decorator';
import { versionTag } from '../../common/http/if-match';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiWriteHeaders } from '../../common/http/write-headers.decorator';
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
import { MoneyMovementRequestDto } from './dto/money-movement.request.dto';
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
  @ApiOperation({ summary: 'Open an account for a customer in one currency' })
  @ApiWriteHeaders({ ifMatch: false })
  @ApiCreatedResponse({ type: AccountWriteResponseDto })
  @ApiProblems(
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'INVALID_IDEMPOTENCY_KEY',
    'IDEMPOTENCY_KEY_IN_USE',
    'IDEMPOTENCY_KEY_REUSED',
    'PAYLOAD_TOO_LARGE',
  )
  open(
    @Body() body: OpenAccountRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<AccountWriteResult> {
    return this.commands.execute(
      new OpenAccountCommand(randomUUID(), body.customerId, body.currency, context),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'The account, folded from its event stream; ETag is its version' })
  @ApiOkResponse({
    type: AccountResponseDto,
    headers: { ETag: { description: 'Stream version, e.g. "3"', schema: { type: 'string' } } },
  })
  @ApiProblems('INVALID_ID', 'ACCOUNT_NOT_FOUND')
  async get(
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AccountView> {
    const account = await this.queries.execute(new GetAccountQuery(id));
    response.setHeader('ETag', versionTag(account.version));
    return account;
  }

  @Get(':id/events')
  @ApiOperation({
    summary: "The account's event history (audit trail), oldest first, paged by version",
  })
  @ApiOkResponse({ type: AccountHistoryResponseDto })
  @ApiProblems('INVALID_ID', 'VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND')
  history(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: AccountHistoryRequestDto,
  ): Promise<AccountHistoryPage> {
    return this.queries.execute(
      new GetAccountHistoryQuery(id, query.fromVersion ?? 1, query.limit ?? 100),
    );
  }

  @Get(':id/balance')
  @ApiOperation({ summary: 'The balance as of an instant (temporal query over the event stream)' })
  @ApiOkResponse({ type: BalanceAsOfResponseDto })
  @ApiProblems('INVALID_ID', 'VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND')
  balance(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: BalanceAsOfRequestDto,
  ): Promise<BalanceAsOfView> {
    return this.queries.execute(
      new GetBalanceAsOfQuery(id, query.asOf ? new Date(query.asOf) : new Date()),
    );
  }

  @Post(':id/deposits')
  @ApiOperation({ summary: 'Deposit money' })
  @ApiWriteHeaders({ ifMatch: true })
  @ApiCreatedResponse({ type: MoneyMovementResponseDto })
  @ApiProblems(
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'INVALID_ID',
    'INVALID_IF_MATCH',
    'INVALID_IDEMPOTENCY_KEY',
    'ACCOUNT_NOT_FOUND',
    'ACCOUNT_CLOSED',
    'VERSION_CONFLICT',
    'IDEMPOTENCY_KEY_IN_USE',
    'PAYLOAD_TOO_LARGE',
    'BALANCE_LIMIT_EXCEEDED',
    'IDEMPOTENCY_KEY_REUSED',
  )
  deposit(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: MoneyMovementRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<MoneyMovementResult> {
    return this.commands.execute(
      new DepositMoneyCommand(id, body.amount, body.reference ?? null, context),
    );
  }

  @Post(':id/withdrawals')
  @ApiOperation({ summary: 'Withdraw money; the balance never goes negative' })
  @ApiWriteHeaders({ ifMatch: true })
  @ApiCreatedResponse({ type: MoneyMovementResponseDto })
  @ApiProblems(
    'VALIDATION_FAILED',
    'MALFORMED_JSON',
    'INVALID_ID',
    'INVALID_IF_MATCH',
    'INVALID_IDEMPOTENCY_KEY',
    'ACCOUNT_NOT_FOUND',
    'ACCOUNT_CLOSED',
    'VERSION_CONFLICT',
    'IDEMPOTENCY_KEY_IN_USE',
    'PAYLOAD_TOO_LARGE',
    'INSUFFICIENT_FUNDS',
    'IDEMPOTENCY_KEY_REUSED',
  )
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
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Close an account whose balance is zero' })
  @ApiWriteHeaders({ ifMatch: true })
  @ApiOkResponse({ type: AccountWriteResponseDto })
  @ApiProblems(
    'INVALID_ID',
    'INVALID_IF_MATCH',
    'INVALID_IDEMPOTENCY_KEY',
    'ACCOUNT_NOT_FOUND',
    'ACCOUNT_CLOSED',
    'BALANCE_NOT_ZERO',
    'VERSION_CONFLICT',
    'IDEMPOTENCY_KEY_IN_USE',
    'IDEMPOTENCY_KEY_REUSED',
  )
  close(
    @Param('id', UuidParamPipe) id: string,
    @WriteContext() context: CommandContext,
  ): Promise<AccountWriteResult> {
    return this.commands.execute(new CloseAccountCommand(id, context));
  }
}
