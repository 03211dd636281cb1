import { NoBody } from '../../common/http/no-body.decorator';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import { CommandContext } from '../../common/commands/command-context';
import { ApiError } from '../../common/errors/api-error';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { ApiVersionedRead } from '../../common/http/api-versioned-read.decorator';
import { WriteContext } from '../../common/http/command-context.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { versionTag } from '../../common/http/if-match';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { VersionParamPipe } from '../../common/http/version-param.pipe';
import { ApiWrite } from '../../common/http/api-write.decorator';
import {
  AccountWriteResult,
  MoneyMovementResult,
  OverdraftLimitResult,
} from '../commands/account-command.results';
import { CloseAccountCommand } from '../commands/close-account.command';
import { DepositMoneyCommand } from '../commands/deposit-money.command';
import { OpenAccountCommand } from '../commands/open-account.command';
import { SetOverdraftLimitCommand } from '../commands/set-overdraft-limit.command';
import { WithdrawMoneyCommand } from '../commands/withdraw-money.command';
import { AccountEventNotFoundError } from '../domain/account.errors';
import {
  AccountHistoryEntry,
  AccountHistoryPage,
  AccountView,
  BalanceAsOfView,
} from '../queries/account.views';
import { GetAccountHistoryQuery } from '../queries/get-account-history.query';
import { GetAccountQuery } from '../queries/get-account.query';
import { GetBalanceAsOfQuery } from '../queries/get-balance-as-of.query';
import { GetStatementQuery } from '../queries/get-statement.query';
import { StatementView } from '../statements/statement';
import { statementCsv } from '../statements/statement-csv';
import { statementPdf } from '../statements/statement-pdf';
import {
  AccountHistoryRequestDto,
  BalanceAsOfRequestDto,
  StatementRequestDto,
} from './dto/account-queries.request.dto';
import {
  AccountHistoryEntryDto,
  AccountHistoryPageDto,
  AccountResponseDto,
  AccountWriteResponseDto,
  BalanceAsOfResponseDto,
  MoneyMovementResponseDto,
  OverdraftLimitResponseDto,
  StatementResponseDto,
} from './dto/account.response.dto';
import {
  DepositRequestDto,
  MoneyMovementRequestDto,
  OverdraftLimitRequestDto,
} from './dto/money-movement.request.dto';
import { ListAccountsRequestDto } from './dto/read-model.request.dto';
import { AccountPageDto } from './dto/read-model.response.dto';
import { ReadsProjection } from '../../projections/read-your-writes';
import { ACCOUNT_SUMMARIES } from '../projections/account-summaries.projection';
import { AccountPage, ListAccountsQuery } from '../queries/list-accounts.query';
import { OpenAccountRequestDto } from './dto/open-account.request.dto';

/** Where a movement is: the event it recorded, in the account's history. */
const movementLocation = (
  result: MoneyMovementResult,
  params: Readonly<Record<string, string | undefined>>,
): string => `/accounts/${(params.id ?? '').toLowerCase()}/events/${result.version}`;

const MOVEMENT_LOCATION = {
  locationDescription: 'The event that recorded the movement, in the account history',
  locationExample: '/accounts/5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21/events/2',
};

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
    operationId: 'openAccount',
    summary: 'Open an account for an active (registered) customer in one currency',
  })
  @Creates<AccountWriteResult>({
    status: 201,
    type: AccountWriteResponseDto,
    description: 'The account is open',
    location: (result) => `/accounts/${result.id}`,
    locationDescription: 'The new account',
    locationExample: '/accounts/5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21',
  })
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
    operationId: 'listAccounts',
    summary:
      'List accounts from the account-summaries read model, oldest first (eventually consistent; see X-Min-Position)',
  })
  @ApiOkResponse({ type: AccountPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
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
  @ApiOperation({
    operationId: 'getAccount',
    summary: 'The account, folded from its event stream; ETag is its version',
  })
  @ApiVersionedRead(AccountResponseDto, 'The account')
  @ApiProblems('INVALID_ID', 'ACCOUNT_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
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
    operationId: 'listAccountEvents',
    summary: "The account's event history (audit trail), oldest first",
  })
  @ApiOkResponse({ type: AccountHistoryPageDto })
  @ApiProblems(
    'INVALID_ID',
    'VALIDATION_FAILED',
    'INVALID_CURSOR',
    'ACCOUNT_NOT_FOUND',
    ...DATABASE_READ_PROBLEMS,
  )
  history(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: AccountHistoryRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<AccountHistoryPage> {
    if (query.cursor !== undefined && query.fromVersion !== undefined) {
      throw new ApiError('VALIDATION_FAILED', 'send either cursor or fromVersion, not both', {
        errors: [{ field: 'cursor', messages: ['cursor and fromVersion exclude each other'] }],
      });
    }
    return this.queries.execute(
      new GetAccountHistoryQuery(
        id,
        query.cursor !== undefined
          ? { cursor: query.cursor }
          : { fromVersion: query.fromVersion ?? 1 },
        query.limit ?? 100,
        scope,
      ),
    );
  }

  @Get(':id/events/:version')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    operationId: 'getAccountEvent',
    summary: 'One event of the account history: where a deposit or withdrawal points',
  })
  @ApiParam({
    name: 'version',
    schema: { type: 'integer', format: 'int32', minimum: 1, example: 2 },
    description: 'The stream version of the event (a movement answers it as version)',
  })
  @ApiOkResponse({ type: AccountHistoryEntryDto })
  @ApiProblems(
    'INVALID_ID',
    'VALIDATION_FAILED',
    'ACCOUNT_NOT_FOUND',
    'ACCOUNT_EVENT_NOT_FOUND',
    ...DATABASE_READ_PROBLEMS,
  )
  async event(
    @Param('id', UuidParamPipe) id: string,
    @Param('version', VersionParamPipe) version: number,
    @CallerScope() scope: AccessScope,
  ): Promise<AccountHistoryEntry> {
    const page = await this.queries.execute(
      new GetAccountHistoryQuery(id, { fromVersion: version }, 1, scope),
    );
    const [entry] = page.items;
    if (!entry) throw new AccountEventNotFoundError(id, version);
    return entry;
  }

  @Get(':id/balance')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    operationId: 'getBalanceAsOf',
    summary: 'The balance as of an instant (temporal query over the event stream)',
    description:
      'Before the account was opened there was no balance: 404 ACCOUNT_NOT_YET_OPENED, whose ' +
      'detail says when it was opened (unlike ACCOUNT_NOT_FOUND: no such account, ever).',
  })
  @ApiOkResponse({ type: BalanceAsOfResponseDto })
  @ApiProblems(
    'INVALID_ID',
    'VALIDATION_FAILED',
    'ACCOUNT_NOT_FOUND',
    'ACCOUNT_NOT_YET_OPENED',
    ...DATABASE_READ_PROBLEMS,
  )
  balance(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: BalanceAsOfRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<BalanceAsOfView> {
    return this.queries.execute(
      new GetBalanceAsOfQuery(id, query.asOf ? new Date(query.asOf) : new Date(), scope),
    );
  }

  @Get(':id/statement')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    operationId: 'getStatement',
    summary:
      'The statement of a period: opening balance, each movement with its running balance, closing balance',
    description:
      'From the book of record (the account stream), by when each movement occurred, `from` ' +
      'included and `to` excluded. `Accept: text/csv` answers CSV (the period figures as `#` ' +
      'rows, then one row per movement), `Accept: application/pdf` a PDF; anything else JSON.',
  })
  @ApiProduces('application/json', 'text/csv', 'application/pdf')
  @ApiOkResponse({ type: StatementResponseDto })
  @ApiProblems('INVALID_ID', 'VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async statement(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: StatementRequestDto,
    @Res({ passthrough: true }) response: Response,
    @CallerScope() scope: AccessScope,
  ): Promise<StatementView | string | StreamableFile> {
    const from = new Date(query.from);
    const to = new Date(query.to);
    const days = (to.getTime() - from.getTime()) / 86_400_000;
    if (!(days > 0 && days <= 366)) {
      throw new ApiError('VALIDATION_FAILED', 'to must be after from, at most 366 days later', {
        errors: [{ field: 'to', messages: ['to must be after from, at most 366 days later'] }],
      });
    }
    const statement = await this.queries.execute(new GetStatementQuery(id, from, to, scope));
    const format = response.req.accepts(['application/json', 'text/csv', 'application/pdf']);
    if (format === 'text/csv') {
      response.type('text/csv; charset=utf-8');
      return statementCsv(statement);
    }
    if (format === 'application/pdf') {
      // Binary: a StreamableFile, or Nest would serialise the Buffer as JSON.
      return new StreamableFile(await statementPdf(statement), { type: 'application/pdf' });
    }
    return statement;
  }

  @Post(':id/deposits')
  @Allow('teller')
  @ApiOperation({ operationId: 'depositMoney', summary: 'Deposit money' })
  @Creates<MoneyMovementResult>({
    status: 201,
    type: MoneyMovementResponseDto,
    description: 'The deposit is recorded',
    location: movementLocation,
    ...MOVEMENT_LOCATION,
  })
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
  @ApiOperation({
    operationId: 'withdrawMoney',
    summary: 'Withdraw money; the balance never goes below minus the overdraft limit',
  })
  @Creates<MoneyMovementResult>({
    status: 201,
    type: MoneyMovementResponseDto,
    description: 'The withdrawal is recorded',
    location: movementLocation,
    ...MOVEMENT_LOCATION,
  })
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

  @Put(':id/overdraft-limit')
  @Allow('teller')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'setOverdraftLimit',
    summary: 'Set how far below zero withdrawals and transfers may take the balance',
    description:
      'Recorded as an event with its reason. Setting the limit in force changes nothing (no event; ' +
      'the same version). A limit below what the account already owes is accepted: debits are ' +
      'then refused until the balance is back above minus the limit.',
  })
  @ApiOkResponse({ type: OverdraftLimitResponseDto, description: 'The limit is in force' })
  @ApiWrite({
    body: true,
    ifMatch: true,
    problems: ['INVALID_ID', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED', 'INVALID_OVERDRAFT_LIMIT'],
  })
  setOverdraftLimit(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: OverdraftLimitRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<OverdraftLimitResult> {
    return this.commands.execute(
      new SetOverdraftLimitCommand(id, body.limit, body.reason, context),
    );
  }

  @Post(':id/close')
  @NoBody()
  @Allow('teller', 'customer')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'closeAccount', summary: 'Close an account whose balance is zero' })
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
