import { Allow } from '../../auth/access-policy.decorator';
import { Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { OutboxStore } from '@ledgerline/event-sourcing';
import { count } from '../../common/http/api-numbers';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { Creates } from '../../common/http/creates.decorator';
import { DeadLetterNotFoundError } from '../messaging.errors';
import { MessagingTransport } from '../messaging-transport';
import { OUTBOX_STORE } from '../messaging.tokens';
import { OutboxRelayService } from '../outbox-relay.service';

class DeadLetterDto {
  @ApiProperty({ example: '42', description: 'Outbox id: retry with it' }) id!: string;
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty({ example: 'account-5f0c…' }) streamId!: string;
  @ApiProperty({ example: 'accounts.money-withdrawn' }) type!: string;
  @ApiProperty(count('Failed publications', 10)) attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The last failed publication' })
  lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
}

class RelayStatsDto {
  @ApiProperty({ description: 'This instance runs a relay (OUTBOX_RELAY)' }) running!: boolean;
  @ApiProperty(count('Confirmed and marked published by this instance', 1200))
  published!: number;
  @ApiProperty(count('Failed attempts charged to messages', 0)) rejected!: number;
  @ApiProperty(count('Given back unpublished: a transport failure, or behind a failed message', 0))
  released!: number;
  @ApiProperty(count('Deliveries this instance knows to be duplicates', 0))
  duplicates!: number;
  @ApiProperty(
    count('Confirmed behind a failed message of their account, so sent again after it', 0),
  )
  resent!: number;
}

class OutboxStatusDto {
  @ApiProperty(count('Messages not yet published', 3)) pending!: number;
  @ApiProperty(count('Age in ms of the oldest pending message (0 when none)', 40))
  oldestPendingAgeMs!: number;
  @ApiProperty(count('Messages that ran out of attempts', 0)) deadLettered!: number;
  @ApiProperty({ type: [DeadLetterDto], description: 'The oldest 100 dead letters' })
  deadLetters!: DeadLetterDto[];
  @ApiProperty({ enum: ['up', 'down', 'in-process'] }) broker!: string;
  @ApiProperty({ type: RelayStatsDto }) relay!: RelayStatsDto;
}

class DeadLetterRetriedDto {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
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
  @ApiOperation({
    operationId: 'getOutboxStatus',
    summary: 'Pending count, oldest pending age, dead letters, relay counters',
  })
  @ApiOkResponse({ type: OutboxStatusDto })
  @ApiProblems('SERVICE_UNAVAILABLE', ...DATABASE_READ_PROBLEMS)
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
  @ApiOperation({
    operationId: 'retryDeadLetter',
    summary:
      'Make a dead letter pending again (attempts reset); it is published next, before the later messages of its stream',
  })
  @Creates({
    status: 202,
    type: DeadLetterRetriedDto,
    description: 'The message is pending again',
    // A message has no resource of its own: the outbox status counts it as pending until sent.
    location: () => '/admin/outbox',
    locationDescription: 'The outbox status, where it counts as pending until published',
    locationExample: '/admin/outbox',
  })
  @ApiProblems('DEAD_LETTER_NOT_FOUND', ...DATABASE_READ_PROBLEMS)
  async retry(@Param('id') id: string): Promise<DeadLetterRetriedDto> {
    if (!OUTBOX_ID.test(id) || !(await this.outbox.retryDeadLetter(id)))
      throw new DeadLetterNotFoundError(id);
    this.relay.wake();
    return { id, status: 'pending' };
  }
}
