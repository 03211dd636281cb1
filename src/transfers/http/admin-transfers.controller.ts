import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/http/api-problems.decorator';
import { ListStuckTransfersQuery } from '../queries/list-stuck-transfers.query';
import { StuckTransferView } from '../queries/transfer.views';
import { StuckTransferDto, StuckTransfersRequestDto } from './dto/admin-operations.dto';

/** Operators' view of transfers that take too long. */
@ApiTags('admin')
@Controller('admin/transfers')
export class AdminTransfersController {
  constructor(private readonly queries: QueryBus) {}

  @Get('stuck')
  @Allow('admin', 'auditor')
  @ApiOperation({
    summary:
      'Transfers still PENDING olderThanSeconds after they were initiated, oldest first, with their process phase and unsettled commands',
  })
  @ApiOkResponse({ type: [StuckTransferDto] })
  @ApiProblems('VALIDATION_FAILED')
  stuck(@Query() query: StuckTransfersRequestDto): Promise<StuckTransferView[]> {
    return this.queries.execute(
      new ListStuckTransfersQuery(query.olderThanSeconds ?? 60, query.limit ?? 100),
    );
  }
}
