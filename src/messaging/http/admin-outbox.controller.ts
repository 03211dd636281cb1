import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { OutboxStore } from '@ledgerline/event-sourcing';
import { ApiProblems } from '../../common/http/api-problems.decorator';
import { DeadLetterNotFoundError } from '../messaging.errors';
import { MessagingTransport } from '../messaging-transport';
import { OUTBOX_STORE } from '../messaging.tokens';
import { OutboxRelayService } from '../outbox-relay.service';

class DeadLetterDto {
  @ApiProperty({ example: '42', description: 'Outbox id: retry with it' }) id!: string;
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty({ example: 'account-5f0c…' }) streamId!: string;
  @ApiProperty({ example: 'accounts.money-withdrawn' }) type!: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty() createdAt!: Date;
}

class RelayStatsDto {
  @ApiProperty({ description: 'This instance runs a relay (OUTBOX_RELAY)' }) running!: boolean;
  @ApiProperty({ description: 'Confirmed and marked published by this instance' })
  published!: number;
  @ApiProperty({ description: 'Failed attempts charged to messages' }) rejected!: number;
  @ApiProperty({ description: 'Given back after a transport failure' }) released!: number;
  @ApiProperty({ description: 'Deliveries this instance knows to be duplicates' })
  duplicates!: number;
}

class OutboxStatusDto {
  @ApiProperty({ description: 'Messages not yet published' }) pending!: number;
  @ApiProperty({ description: 'Age in ms of the oldest pending message (0 when none)' })
  oldestPendingAgeMs!: number;
  @ApiProperty() deadLettered!: number;
  @ApiProperty({ type: [DeadLetterDto], description: 'The oldest 100 dead letters' })
  deadLetters!: DeadLetterDto[];
  @ApiProperty({ enum: ['up', 'down', 'in-process'] }) broker!: string;
  @ApiProperty({ type: RelayStatsDto }) relay!: RelayStatsDto;
}

const OUTBOX_ID = /^[1-9][0-9]{0,18}$/;

/** Operators' view of the transactional outbox. */
@ApiTags('admin')
@Controller('admin/outbox')
export class AdminOutboxController {
  constructor(
    @Inject(OUTBOX_STORE) private readonly outbox: OutboxStore,
    private readonly relay: OutboxRelayService,
    private readonly transport: MessagingTransport,
  ) {}

  @Get()
  @Allow('admin', 'auditor')
  @ApiOperation({ summary: 'Pending count, oldest pending age, dead letters, relay counters' })
  @ApiOkResponse({ type: OutboxStatusDto })
  @ApiProblems('SERVICE_UNAVAILABLE')
  async status(): Promise<OutboxStatusDto> {
    const status = await this.outbox.status();
    return {
      ...status,
      deadLetters: [...status.deadLetters],
      broker: this.transport.brokerStatus,
      relay: { running: this.relay.running, ...this.relay.stats },
    };
  }

  @Post('dead-letters/:id/retry')
  @Allow('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Make a dead letter pending again (attempts reset); it is published next, before the later messages of its stream',
  })
  @ApiAcceptedResponse({ description: 'The message is pending again' })
  @ApiProblems('DEAD_LETTER_NOT_FOUND')
  async retry(@Param('id') id: string): Promise<{ id: string; status: 'pending' }> {
    if (!OUTBOX_ID.test(id) || !(await this.outbox.retryDeadLetter(id)))
      throw new DeadLetterNotFoundError(id);
    this.relay.wake();
    return { id, status: 'pending' };
  }
}
