import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope } from '../../auth/principal';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
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
import { InitiateTransferCommand } from '../commands/initiate-transfer.command';
import { TRANSFER_SUMMARIES } from '../projections/transfer-summaries.projection';
import { GetTransferQuery } from '../queries/get-transfer.query';
import { ListTransfersQuery } from '../queries/list-transfers.query';
import { TransferPage, TransferView } from '../queries/transfer.views';
import { InitiateTransferRequestDto, ListTransfersRequestDto } from './dto/transfer.request.dto';
import {
  TransferAcceptedDto,
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
    summary: "An account's transfers, from the transfer-summaries read model, oldest first",
  })
  @ApiOkResponse({ type: TransferPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  list(
    @Query() query: ListTransfersRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<TransferPage> {
    return this.queries.execute(
      new ListTransfersQuery(query.accountId.toLowerCase(), query.limit ?? 50, query.cursor, scope),
    );
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
}
