import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnsettledCommandStatus } from '@ledgerline/event-sourcing';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { decodeOffsetCursor, encodeCursor } from '../../common/pagination/cursor';
import { ProcessCommandNotFoundError } from '../process/process-command.errors';
import { TransferProcessService } from '../process/transfer-process.service';
import {
  ListProcessCommandsRequestDto,
  ListProcessDeadlinesRequestDto,
  ProcessCommandRetriedDto,
  ProcessCommandsDto,
  ProcessDeadlinePageDto,
} from './dto/admin-operations.dto';

/** How far an operator may page into these lists (they hold what needs attention: few rows). */
const MAX_OFFSET = 10_000;

/** Operators' view of the process managers: commands that did not go through, deadlines. */
@ApiTags('admin')
@Controller('admin')
export class AdminProcessManagersController {
  constructor(private readonly process: TransferProcessService) {}

  @Get('process-commands')
  @Allow('admin', 'auditor')
  @ApiOperation({
    operationId: 'listProcessCommands',
    summary:
      'Process commands not settled, oldest first: parked after their last allowed attempt (default), or pending',
  })
  @ApiOkResponse({ type: ProcessCommandsDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  async commands(@Query() query: ListProcessCommandsRequestDto): Promise<ProcessCommandsDto> {
    const statuses = [
      ...new Set((query.status ?? 'parked').split(',') as UnsettledCommandStatus[]),
    ].sort();
    // The cursor belongs to one filter: another filter's list has other rows.
    const list = `process-commands:${statuses.join(',')}`;
    const limit = query.limit ?? 100;
    const offset = decodeOffsetCursor(query.cursor, list, MAX_OFFSET);
    const [counts, commands] = await Promise.all([
      this.process.operations.countCommands(),
      this.process.operations.listCommands(statuses, offset + limit + 1),
    ]);
    return {
      items: commands.slice(offset, offset + limit).map((command) => ({
        id: command.id,
        manager: command.manager,
        processId: command.processId,
        type: command.type,
        label: this.process.label(command),
        status: command.status,
        attempts: command.attempts,
        lastError: command.lastError,
        causationId: command.causationId,
        correlationId: command.correlationId,
        createdAt: command.createdAt.toISOString(),
        updatedAt: command.updatedAt.toISOString(),
        availableAt: command.availableAt.toISOString(),
      })),
      nextCursor:
        commands.length > offset + limit ? encodeCursor(list, [String(offset + limit)]) : null,
      ...counts,
    };
  }

  @Post('process-commands/:id/retry')
  @Allow('admin')
  @ApiOperation({
    operationId: 'retryProcessCommand',
    summary:
      'Make a parked command pending again with its attempts reset; a worker sends it at once',
  })
  @Creates<ProcessCommandRetriedDto>({
    status: 202,
    type: ProcessCommandRetriedDto,
    description: 'The command is pending again',
    // The command has no resource of its own: the pending list shows it until it is sent.
    location: () => '/admin/process-commands?status=pending',
    locationDescription: 'The pending commands, where it waits until a worker has sent it',
    locationExample: '/admin/process-commands?status=pending',
  })
  @ApiProblems('INVALID_ID', 'PROCESS_COMMAND_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async retry(@Param('id', UuidParamPipe) id: string): Promise<ProcessCommandRetriedDto> {
    if (!(await this.process.retryParked(id))) throw new ProcessCommandNotFoundError(id);
    return { id, status: 'pending' };
  }

  @Get('process-deadlines')
  @Allow('admin', 'auditor')
  @ApiOperation({
    operationId: 'listProcessDeadlines',
    summary:
      'Deadlines that have not fired, earliest first; due: their time has come (due=true lists only those)',
  })
  @ApiOkResponse({ type: ProcessDeadlinePageDto })
  @ApiProblems('VALIDATION_FAILED', 'INVALID_CURSOR', ...DATABASE_READ_PROBLEMS)
  async deadlines(@Query() query: ListProcessDeadlinesRequestDto): Promise<ProcessDeadlinePageDto> {
    const due = query.due ?? false;
    const list = `process-deadlines:${due ? 'due' : 'all'}`;
    const limit = query.limit ?? 100;
    const offset = decodeOffsetCursor(query.cursor, list, MAX_OFFSET);
    const deadlines = await this.process.operations.listDeadlines(due, offset + limit + 1);
    return {
      items: deadlines.slice(offset, offset + limit).map((deadline) => ({
        manager: deadline.manager,
        processId: deadline.processId,
        key: deadline.key,
        dueAt: deadline.dueAt.toISOString(),
        due: deadline.due,
      })),
      nextCursor:
        deadlines.length > offset + limit ? encodeCursor(list, [String(offset + limit)]) : null,
    };
  }
}
