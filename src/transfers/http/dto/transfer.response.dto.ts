import { ApiProperty } from '@nestjs/swagger';
import { logPosition, minorUnits, streamVersion } from '../../../common/http/api-numbers';
import { TRANSFER_STATUSES } from '../../domain/transfer.state';

export class TransferAcceptedDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(logPosition('Global position of the initiation (send as X-Min-Position)', true))
  position!: string | null;
}

export class TransferResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) fromAccountId!: string;
  @ApiProperty({ format: 'uuid' }) toAccountId!: string;
  @ApiProperty(minorUnits('Amount', 2500)) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({
    enum: TRANSFER_STATUSES,
    description:
      'AWAITING_APPROVAL: above the approval threshold, nothing moves until a second teller approves; REJECTED and EXPIRED (unapproved by its deadline) moved nothing',
  })
  status!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "Why it failed or was compensated: an error code, or CREDIT_DEADLINE_PASSED; APPROVAL_DEADLINE_PASSED when it expired; the rejecter's reason (or null) when rejected; null otherwise",
  })
  reason!: string | null;
  @ApiProperty({
    format: 'date-time',
    description: 'When it was initiated: lists are in this order',
  })
  createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** What approving or rejecting a transfer answers. */
export class TransferDecisionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(streamVersion('Stream version of the transfer after the decision', 2))
  version!: number;
  @ApiProperty(logPosition('Global position of the decision (send as X-Min-Position)', true))
  position!: string | null;
  @ApiProperty({
    enum: ['PENDING', 'REJECTED'],
    description: 'PENDING once approved (money moves from now on), REJECTED once rejected',
  })
  status!: string;
}

export class TransferPageDto {
  @ApiProperty({
    type: [TransferResponseDto],
    description: 'In order of initiation (oldest first), then id',
  })
  items!: TransferResponseDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Send as cursor for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
