import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import { CommandContext } from '../../common/commands/command-context';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { ApiVersionedRead } from '../../common/http/api-versioned-read.decorator';
import { ApiWrite } from '../../common/http/api-write.decorator';
import { WriteContext } from '../../common/http/command-context.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { versionTag } from '../../common/http/if-match';
import { NoBody } from '../../common/http/no-body.decorator';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { HoldResult } from '../commands/account-command.results';
import {
  CaptureHoldCommand,
  PlaceHoldCommand,
  ReleaseHoldCommand,
} from '../commands/hold.commands';
import { HoldView } from '../queries/account.views';
import { GetHoldQuery } from '../queries/get-hold.query';
import { HoldResponseDto, HoldWriteResponseDto } from './dto/account.response.dto';
import { CaptureHoldRequestDto, PlaceHoldRequestDto } from './dto/money-movement.request.dto';

const HOLD_PATH = ':id/holds/:holdId';

/**
 * Holds (card-style authorisations): money reserved on an account, then captured, released or
 * left to expire. Placing and ending holds is the bank's (tellers, and the card systems acting
 * with a teller's token); the account's owner and auditors may read them.
 */
@ApiTags('accounts')
@Controller('accounts')
export class HoldsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post(':id/holds')
  @Allow('teller')
  @ApiOperation({
    operationId: 'placeHold',
    summary: 'Reserve money on an account until it is captured, released or expires',
    description:
      'The hold lowers availableBalance (ledger minus open holds) at once; the ledger balance moves ' +
      'only when it is captured. It must fit in spendableBalance (available + overdraft limit). ' +
      'An uncaptured hold expires at expiresAt, exactly once, even across restarts.',
  })
  @Creates<HoldResult>({
    status: 201,
    type: HoldWriteResponseDto,
    description: 'The hold is open',
    location: (result) => `/accounts/${result.accountId}/holds/${result.id}`,
    locationDescription: 'The hold',
    locationExample:
      '/accounts/5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21/holds/8b3e4f50-6c7d-4e8f-9a01-2b3c4d5e6f70',
  })
  @ApiWrite({
    body: true,
    ifMatch: true,
    problems: [
      'INVALID_ID',
      'ACCOUNT_NOT_FOUND',
      'ACCOUNT_CLOSED',
      'HOLD_ALREADY_EXISTS',
      'INSUFFICIENT_FUNDS',
      'INVALID_HOLD_EXPIRY',
    ],
  })
  place(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: PlaceHoldRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<HoldResult> {
    const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt).toISOString();
    const holdId = body.id?.toLowerCase() ?? randomUUID();
    return this.commands.execute(
      new PlaceHoldCommand(id, holdId, body.amount, body.reason, expiresAt, context),
    );
  }

  @Get(HOLD_PATH)
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    operationId: 'getHold',
    summary: 'A hold, folded from its account stream; ETag is the account version',
  })
  @ApiVersionedRead(HoldResponseDto, 'The hold')
  @ApiProblems('INVALID_ID', 'ACCOUNT_NOT_FOUND', 'HOLD_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async get(
    @Param('id', UuidParamPipe) id: string,
    @Param('holdId', UuidParamPipe) holdId: string,
    @Res({ passthrough: true }) response: Response,
    @CallerScope() scope: AccessScope,
  ): Promise<HoldView> {
    const hold = await this.queries.execute(new GetHoldQuery(id, holdId, scope));
    response.setHeader('ETag', versionTag(hold.version));
    return hold;
  }

  @Post(`${HOLD_PATH}/capture`)
  @Allow('teller')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'captureHold',
    summary: 'Take all or part of an open hold as a withdrawal; the rest is released',
    description:
      'Records the capture and a MoneyWithdrawn (referenced by the hold reason) in one append. ' +
      'Of racing captures of one hold exactly one succeeds; the others are 409 HOLD_NOT_OPEN. ' +
      'A hold past its expiresAt can no longer be captured.',
  })
  @ApiOkResponse({ type: HoldWriteResponseDto, description: 'The hold is captured' })
  @ApiWrite({
    body: true,
    ifMatch: true,
    problems: [
      'INVALID_ID',
      'ACCOUNT_NOT_FOUND',
      'ACCOUNT_CLOSED',
      'HOLD_NOT_FOUND',
      'HOLD_NOT_OPEN',
      'CAPTURE_EXCEEDS_HOLD',
    ],
  })
  capture(
    @Param('id', UuidParamPipe) id: string,
    @Param('holdId', UuidParamPipe) holdId: string,
    @Body() body: CaptureHoldRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<HoldResult> {
    return this.commands.execute(new CaptureHoldCommand(id, holdId, body.amount ?? null, context));
  }

  @Post(`${HOLD_PATH}/release`)
  @NoBody()
  @Allow('teller')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'releaseHold',
    summary: 'Give up an open hold: its amount is available again',
  })
  @ApiOkResponse({ type: HoldWriteResponseDto, description: 'The hold is released' })
  @ApiWrite({
    body: false,
    ifMatch: true,
    problems: [
      'INVALID_ID',
      'ACCOUNT_NOT_FOUND',
      'ACCOUNT_CLOSED',
      'HOLD_NOT_FOUND',
      'HOLD_NOT_OPEN',
    ],
  })
  release(
    @Param('id', UuidParamPipe) id: string,
    @Param('holdId', UuidParamPipe) holdId: string,
    @WriteContext() context: CommandContext,
  ): Promise<HoldResult> {
    return this.commands.execute(new ReleaseHoldCommand(id, holdId, context));
  }
}
