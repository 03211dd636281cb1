import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblems } from '../../common/http/api-problems.decorator';
import { ProjectionRebuilder } from '../projection-rebuilder';
import { ProjectionsService, ProjectionView } from '../projections.service';

class ProjectionLagDto {
  @ApiProperty({ description: 'Events visible in the log that the projection has not processed' })
  events!: number;
  @ApiProperty({ description: 'Age in ms of the oldest unprocessed event (0 when caught up)' })
  ms!: number;
}

class RebuildViewDto {
  @ApiProperty({
    description: 'host:pid of the process that rebuilds (an app instance or the CLI)',
  })
  claimedBy!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, description: "The shadow tables' position, as last reported" })
  position!: string;
  @ApiProperty({ type: String, description: 'The head the rebuild is catching up to' })
  headPosition!: string;
}

class ProjectionViewDto {
  @ApiProperty({ example: 'account-summaries' }) name!: string;
  @ApiProperty({ type: String, description: 'Global position of the last processed event' })
  position!: string;
  @ApiProperty({ type: String, description: 'Last position readers can see (the gap-safe head)' })
  headPosition!: string;
  @ApiProperty({ type: ProjectionLagDto }) lag!: ProjectionLagDto;
  @ApiProperty({ enum: ['running', 'catching-up', 'parked', 'rebuilding'] }) status!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ description: 'This instance holds the lease and runs the projection' })
  leaseHeldHere!: boolean;
  @ApiProperty({ description: 'Batches this instance has committed since it started' })
  batchesAppliedHere!: number;
  @ApiPropertyOptional({
    type: RebuildViewDto,
    nullable: true,
    description: 'The rebuild in progress in any instance (or the CLI); null when none is',
  })
  rebuild!: RebuildViewDto | null;
}

/** Operators' view of the read side. */
@ApiTags('admin')
@Controller('admin/projections')
export class AdminProjectionsController {
  constructor(
    private readonly projections: ProjectionsService,
    private readonly rebuilder: ProjectionRebuilder,
  ) {}

  @Get()
  @Allow('admin', 'auditor')
  @ApiOperation({ summary: 'Every projection: position, head, lag, status, last error' })
  @ApiOkResponse({ type: [ProjectionViewDto] })
  @ApiProblems('SERVICE_UNAVAILABLE')
  list(): Promise<ProjectionView[]> {
    return this.projections.list();
  }

  @Post(':name/rebuild')
  @Allow('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Replay from position 0 into fresh tables, then switch over; reads keep using the old tables until then',
  })
  @ApiAcceptedResponse({ description: 'The rebuild started; follow it in GET /admin/projections' })
  @ApiProblems('PROJECTION_NOT_FOUND', 'REBUILD_IN_PROGRESS')
  async rebuild(@Param('name') name: string): Promise<{ name: string; status: 'rebuilding' }> {
    // Claimed cluster-wide before the 202: a rebuild running anywhere else is a 409.
    await this.rebuilder.start(name);
    return { name, status: 'rebuilding' };
  }

  @Post(':name/retry')
  @Allow('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Resume a parked projection: it retries the batch that failed' })
  @ApiAcceptedResponse({ description: 'The projection will retry' })
  @ApiProblems('PROJECTION_NOT_FOUND')
  async retry(@Param('name') name: string): Promise<{ name: string }> {
    await this.projections.resume(name);
    return { name };
  }
}
