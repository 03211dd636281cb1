import { ApiProperty } from '@nestjs/swagger';
import { logPosition, minorUnits } from '../../../common/http/api-numbers';

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
  @ApiProperty({ enum: ['PENDING', 'COMPLETED', 'FAILED', 'COMPENSATED'] }) status!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Why it failed or was compensated: an error code, or CREDIT_DEADLINE_PASSED; null otherwise',
  })
  reason!: string | null;
  @ApiProperty({
    format: 'date-time',
    description: 'When it was initiated: lists are in this order',
  })
  createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
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
