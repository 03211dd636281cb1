import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { CommandContext } from '../../common/commands/command-context';
import { ApiError } from '../../common/errors/api-error';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { ApiWrite } from '../../common/http/api-write.decorator';
import { WriteContext } from '../../common/http/command-context.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ReadsProjection } from '../../projections/read-your-writes';
import { NoBody } from '../../common/http/no-body.decorator';
import { ApproveTransferCommand } from '../commands/approve-transfer.command';
import { InitiateTransferCommand } from '../commands/initiate-transfer.command';
import { RejectTransferCommand } from '../commands/reject-transfer.command';
import { TransferDecisionResult } from '../commands/transfer-command.results';
import { TRANSFER_SUMMARIES } from '../projections/transfer-summaries.projection';
import { GetTransferQuery } from '../queries/get-transfer.query';
import { ListTransfersQuery } from '../queries/list-transfers.query';
import { TransferPage, TransferView } from '../queries/transfer.views';
import {
  InitiateTransferRequestDto,
  ListTransfersRequestDto,
  RejectTransferRequestDto,
} from './dto/transfer.request.dto';
import {
  TransferAcceptedDto,
  TransferDecisionDto,
  TransferPageDto,
  TransferResponseDto,
} from './dto/transfer.response.dto';

/** What POST /transfers answers: the transfer's id and the position to read it back at. */
type TransferAccepted = { id: string; position: string | null };

@ApiTags('transfers')
@Controller('transfers')
export class TransfersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Allow('teller', 'customer')
  @ApiOperation({
    operationId: 'initiateTransfer',
    summary:
      'Start a transfer between two accounts; it completes, fails or is compensated asynchronously (see GET /transfers/{id})',
    description:
      'An amount above the approval threshold (APPROVAL_THRESHOLD) is answered alike, but the transfer is AWAITING_APPROVAL: nothing moves until another teller approves it (POST /transfers/{id}/approve), and it expires unapproved after APPROVAL_TIMEOUT_MS.',
  })
  @Creates<TransferAccepted>({
    status: 202,
    type: TransferAcceptedDto,
    description: 'The transfer is initiated; follow its status at Location',
    location: (result) => `/transfers/${result.id}`,
    locationDescription: 'The transfer, whose status says how it ended',
    locationExample: '/transfers/7a2d3e4f-5b6c-4d7e-8f90-1a2b3c4d5e6f',
  })
  @ApiWrite({ body: true, ifMatch: false, problems: ['ACCOUNT_NOT_FOUND'] })
  async initiate(
    @Body() body: InitiateTransferRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<TransferAccepted> {
    if (body.fromAccountId.toLowerCase() === body.toAccountId.toLowerCase()) {
      throw new ApiError('VALIDATION_FAILED', 'a transfer needs two different accounts', {
        errors: [
          { field: 'toAccountId', messages: ['toAccountId must differ from fromAccountId'] },
        ],
      });
    }
    const { id, position } = await this.commands.execute(
      new InitiateTransferCommand(
        randomUUID(),
        body.fromAccountId.toLowerCase(),
        body.toAccountId.toLowerCase(),
        body.amount,
        context,
      ),
    );
    return { id, position };
  }

  @Get()
  @Allow('teller', 'auditor', 'customer')
  @ReadsProjection(TRANSFER_SUMMARIES)
  @ApiOperation({
    operationId: 'listTransfers',
    summary:
      "An account's transfers, or every transfer in one status (status=AWAITING_APPROVAL: the approvals waiting), from the transfer-summaries read model, oldest first",
    description:
      'Send accountId, status, or both. Without accountId (a list across accounts) only tellers and auditors may ask; a customer lists the transfers of their own accounts.',
  })
  @ApiOkResponse({ type: TransferPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  list(
    @Query() query: ListTransfersRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<TransferPage> {
    const { status, limit = 50, cursor } = query;
    if (query.accountId !== undefined) {
      const accountId = query.accountId.toLowerCase();
      return this.queries.execute(
        new ListTransfersQuery({ accountId, status }, limit, cursor, scope),
      );
    }
    if (status === undefined || scope.kind !== 'all') {
      // A customer lists their own accounts' transfers; a list across accounts is for staff.
      const message =
        scope.kind === 'all' ? 'accountId or status is required' : 'accountId is required';
      throw new ApiError('VALIDATION_FAILED', message, {
        errors: [{ field: 'accountId', messages: [message] }],
      });
    }
    return this.queries.execute(new ListTransfersQuery({ status }, limit, cursor, scope));
  }

  @Get(':id')
  @Allow('teller', 'auditor', 'customer')
  @ApiOperation({
    operationId: 'getTransfer',
    summary: 'The transfer and its status, folded from its stream',
  })
  @ApiOkResponse({ type: TransferResponseDto })
  @ApiProblems('INVALID_ID', 'TRANSFER_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  get(
    @Param('id', UuidParamPipe) id: string,
    @CallerScope() scope: AccessScope,
  ): Promise<TransferView> {
    return this.queries.execute(new GetTransferQuery(id, scope));
  }

  @Post(':id/approve')
  @NoBody()
  @Allow('teller')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'approveTransfer',
    summary: 'Approve a transfer awaiting approval: it then proceeds (debit, credit) as any other',
    description:
      'Four eyes: the teller who initiated it may not approve it (403 SELF_APPROVAL_FORBIDDEN). A transfer that is not awaiting approval (below the threshold, already approved, rejected or expired) is 409 TRANSFER_NOT_AWAITING_APPROVAL.',
  })
  @ApiOkResponse({ type: TransferDecisionDto, description: 'Approved: the transfer is PENDING' })
  @ApiWrite({
    body: false,
    ifMatch: false,
    problems: [
      'INVALID_ID',
      'TRANSFER_NOT_FOUND',
      'SELF_APPROVAL_FORBIDDEN',
      'TRANSFER_NOT_AWAITING_APPROVAL',
    ],
  })
  approve(
    @Param('id', UuidParamPipe) id: string,
    @WriteContext() context: CommandContext,
  ): Promise<TransferDecisionResult> {
    return this.commands.execute(new ApproveTransferCommand(id, context));
  }

  @Post(':id/reject')
  @Allow('teller')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'rejectTransfer',
    summary: 'Reject a transfer awaiting approval: it ends REJECTED, nothing moved',
    description:
      "The body is optional; its reason is recorded and shown as the transfer's reason. A transfer that is not awaiting approval is 409 TRANSFER_NOT_AWAITING_APPROVAL.",
  })
  @ApiOkResponse({ type: TransferDecisionDto, description: 'Rejected: the transfer is REJECTED' })
  @ApiWrite({
    body: true,
    ifMatch: false,
    problems: ['INVALID_ID', 'TRANSFER_NOT_FOUND', 'TRANSFER_NOT_AWAITING_APPROVAL'],
  })
  reject(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: RejectTransferRequestDto,
    @WriteContext() context: CommandContext,
  ): Promise<TransferDecisionResult> {
    return this.commands.execute(new RejectTransferCommand(id, body.reason ?? null, context));
  }
}
