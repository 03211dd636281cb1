import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnsettledCommandStatus } from '@ledgerline/event-sourcing';
import { ApiProblems } from '../../common/http/api-problems.decorator';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ProcessCommandNotFoundError } from '../process/process-command.errors';
import { TransferProcessService } from '../process/transfer-process.service';
import {
  ListProcessCommandsRequestDto,
  ListProcessDeadlinesRequestDto,
  ProcessCommandsDto,
  ProcessDeadlineDto,
} from './dto/admin-operations.dto';

/** Operators' view of the process managers: commands that did not go through, deadlines. */
@ApiTags('admin')
@Controller('admin')
export class AdminProcessManagersController {
  constructor(private readonly process: TransferProcessService) {}

  @Get('process-commands')
  @Allow('admin', 'auditor')
  @ApiOperation({
    summary:
      'Process commands not settled: parked after their last allowed attempt (default), or pending',
  })
  @ApiOkResponse({ type: ProcessCommandsDto })
  @ApiProblems('VALIDATION_FAILED')
  async commands(@Query() query: ListProcessCommandsRequestDto): Promise<ProcessCommandsDto> {
    const statuses = (query.status ?? 'parked').split(',') as UnsettledCommandStatus[];
    const [counts, commands] = await Promise.all([
      this.process.operations.countCommands(),
      this.process.operations.listCommands([...new Set(statuses)], query.limit ?? 100),
    ]);
    return {
      ...counts,
      commands: commands.map((command) => ({
        id: command.id,
        manager: command.manager,
        processId: command.processId,
        type: command.type,
        status: command.status,
        attempts: command.attempts,
        lastError: command.lastError,
        causationId: command.causationId,
        correlationId: command.correlationId,
        createdAt: command.createdAt.toISOString(),
        updatedAt: command.updatedAt.toISOString(),
        availableAt: command.availableAt.toISOString(),
      })),
    };
  }

  @Post('process-commands/:id/retry')
  @Allow('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Make a parked command pending again with its attempts reset; a worker sends it at once',
  })
  @ApiAcceptedResponse({ description: '{id, status: "pending"}' })
  @ApiProblems('INVALID_ID', 'PROCESS_COMMAND_NOT_FOUND')
  async retry(@Param('id', UuidParamPipe) id: string): Promise<{ id: string; status: 'pending' }> {
    if (!(await this.process.retryParked(id))) throw new ProcessCommandNotFoundError(id);
    return { id, status: 'pending' };
  }

  @Get('process-deadlines')
  @Allow('admin', 'auditor')
  @ApiOperation({
    summary:
      'Deadlines that have not fired, earliest first; due: their time has come (due=true lists only those)',
  })
  @ApiOkResponse({ type: [ProcessDeadlineDto] })
  @ApiProblems('VALIDATION_FAILED')
  async deadlines(@Query() query: ListProcessDeadlinesRequestDto): Promise<ProcessDeadlineDto[]> {
    const deadlines = await this.process.operations.listDeadlines(
      query.due ?? false,
      query.limit ?? 100,
    );
    return deadlines.map((deadline) => ({
      manager: deadline.manager,
      processId: deadline.processId,
      key: deadline.key,
      dueAt: deadline.dueAt.toISOString(),
      due: deadline.due,
    }));
  }
}
