import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { ListStuckTransfersQuery } from '../queries/list-stuck-transfers.query';
import { StuckTransferPage } from '../queries/transfer.views';
import { StuckTransferPageDto, StuckTransfersRequestDto } from './dto/admin-operations.dto';

/** Operators' view of transfers that take too long. */
@ApiTags('admin')
@Controller('admin/transfers')
export class AdminTransfersController {
  constructor(private readonly queries: QueryBus) {}

  @Get('stuck')
  @Allow('admin', 'auditor')
  @ApiOperation({
    operationId: 'listStuckTransfers',
    summary:
      'Transfers still PENDING olderThanSeconds after they were initiated, oldest first, with their process phase and unsettled commands',
  })
  @ApiOkResponse({ type: StuckTransferPageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  stuck(@Query() query: StuckTransfersRequestDto): Promise<StuckTransferPage> {
    return this.queries.execute(
      new ListStuckTransfersQuery(query.olderThanSeconds ?? 60, query.limit ?? 100, query.cursor),
    );
  }
}
