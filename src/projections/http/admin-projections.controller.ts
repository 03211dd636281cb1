import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { count, logPosition } from '../../common/http/api-numbers';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { ProjectionRebuilder } from '../projection-rebuilder';
import { ProjectionNotFoundError } from '../projection.errors';
import { ProjectionsService, ProjectionView, RebuildView } from '../projections.service';

class ProjectionLagDto {
  @ApiProperty(count('Events visible in the log that the projection has not processed', 0))
  events!: number;
  @ApiProperty(count('Age in ms of the oldest unprocessed event (0 when caught up)', 0))
  ms!: number;
}

/**
 * The rebuild in progress, as an inline schema: OpenAPI 3.0 cannot make a $ref nullable
 * (its `allOf` still applies to null), and this one is null whenever no rebuild runs.
 */
const REBUILD_SCHEMA = {
  type: 'object' as const,
  nullable: true,
  description: 'The rebuild in progress in any instance (or the CLI); null when none is',
  selfRequired: true,
  required: ['claimedBy', 'startedAt', 'position', 'headPosition'],
  properties: {
    claimedBy: {
      type: 'string' as const,
      description: 'host:pid of the process that rebuilds (an app instance or the CLI)',
    },
    startedAt: { type: 'string' as const, format: 'date-time' },
    position: logPosition("The shadow tables' position, as last reported"),
    headPosition: logPosition('The head the rebuild is catching up to'),
  },
};

class ProjectionViewDto {
  @ApiProperty({ example: 'account-summaries' }) name!: string;
  @ApiProperty(logPosition('Global position of the last processed event')) position!: string;
  @ApiProperty(logPosition('Last position readers can see (the gap-safe head)'))
  headPosition!: string;
  @ApiProperty({ type: ProjectionLagDto }) lag!: ProjectionLagDto;
  @ApiProperty({ enum: ['running', 'catching-up', 'parked', 'rebuilding'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why it is parked, if it is' })
  lastError!: string | null;
  @ApiProperty({ description: 'This instance holds the lease and runs the projection' })
  leaseHeldHere!: boolean;
  @ApiProperty(count('Batches this instance has committed since it started', 12))
  batchesAppliedHere!: number;
  @ApiProperty(REBUILD_SCHEMA)
  rebuild!: RebuildView | null;
}

class ProjectionPageDto {
  @ApiProperty({ type: [ProjectionViewDto], description: 'By name' })
  items!: ProjectionViewDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Always null: every projection fits on one page',
  })
  nextCursor!: null;
}

class ProjectionStartedDto {
  @ApiProperty({ example: 'account-summaries' }) name!: string;
  @ApiProperty({ enum: ['rebuilding'] }) status!: 'rebuilding';
}

class ProjectionResumedDto {
  @ApiProperty({ example: 'account-summaries' }) name!: string;
}

const PROJECTION_LOCATION = {
  location: (_: unknown, params: Readonly<Record<string, string | undefined>>) =>
    `/admin/projections/${encodeURIComponent(params.name ?? '')}`,
  locationDescription: 'The projection, whose status shows how it goes',
  locationExample: '/admin/projections/account-summaries',
};

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
  @ApiOperation({
    operationId: 'listProjections',
    summary: 'Every projection: position, head, lag, status, last error',
  })
  @ApiOkResponse({ type: ProjectionPageDto })
  @ApiProblems('SERVICE_UNAVAILABLE', ...DATABASE_READ_PROBLEMS)
  async list(): Promise<{ items: ProjectionView[]; nextCursor: null }> {
    return { items: await this.projections.list(), nextCursor: null };
  }

  @Get(':name')
  @Allow('admin', 'auditor')
  @ApiOperation({
    operationId: 'getProjection',
    summary: 'One projection: position, head, lag, status, last error, rebuild in progress',
  })
  @ApiOkResponse({ type: ProjectionViewDto })
  @ApiProblems('PROJECTION_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async get(@Param('name') name: string): Promise<ProjectionView> {
    const found = (await this.projections.list()).find((projection) => projection.name === name);
    if (!found) throw new ProjectionNotFoundError(name);
    return found;
  }

  @Post(':name/rebuild')
  @Allow('admin')
  @ApiOperation({
    operationId: 'rebuildProjection',
    summary:
      'Replay from position 0 into fresh tables, then switch over; reads keep using the old tables until then',
  })
  @Creates({
    status: 202,
    type: ProjectionStartedDto,
    description: 'The rebuild started; follow it at Location',
    ...PROJECTION_LOCATION,
  })
  @ApiProblems(
    'PROJECTION_NOT_FOUND',
    'REBUILD_IN_PROGRESS',
    'PROJECTION_NOT_REBUILDABLE',
    ...DATABASE_READ_PROBLEMS,
  )
  async rebuild(@Param('name') name: string): Promise<ProjectionStartedDto> {
    // Claimed cluster-wide before the 202: a rebuild running anywhere else is a 409.
    await this.rebuilder.start(name);
    return { name, status: 'rebuilding' };
  }

  @Post(':name/retry')
  @Allow('admin')
  @ApiOperation({
    operationId: 'retryProjection',
    summary: 'Resume a parked projection: it retries the batch that failed',
  })
  @Creates({
    status: 202,
    type: ProjectionResumedDto,
    description: 'The projection will retry; follow it at Location',
    ...PROJECTION_LOCATION,
  })
  @ApiProblems('PROJECTION_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async retry(@Param('name') name: string): Promise<ProjectionResumedDto> {
    await this.projections.resume(name);
    return { name };
  }
}
