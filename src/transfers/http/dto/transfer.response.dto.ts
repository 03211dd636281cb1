import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TransferAcceptedDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Send as X-Min-Position' })
  position!: string | null;
}

export class TransferResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) fromAccountId!: string;
  @ApiProperty({ format: 'uuid' }) toAccountId!: string;
  @ApiProperty({ description: 'Minor units' }) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: ['PENDING', 'COMPLETED', 'FAILED', 'COMPENSATED'] }) status!: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Why it failed or was compensated: an error code, or CREDIT_DEADLINE_PASSED',
  })
  reason!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class TransferPageDto {
  @ApiProperty({ type: [TransferResponseDto] }) items!: TransferResponseDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) nextCursor!: string | null;
}
