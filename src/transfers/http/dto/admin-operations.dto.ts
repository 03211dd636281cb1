import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** The most rows one admin list returns. */
const MAX_ROWS = 500;

export class ListProcessCommandsRequestDto {
  @ApiPropertyOptional({
    default: 'parked',
    example: 'pending,parked',
    description: 'Comma-separated: parked (waiting for an operator), pending (waiting to be sent)',
  })
  @IsOptional()
  @Matches(/^(pending|parked)(,(pending|parked))?$/, {
    message: 'status must be parked, pending, or both separated by a comma',
  })
  status?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ROWS, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ROWS)
  limit?: number;
}

export class ProcessCommandDto {
  @ApiProperty({ format: 'uuid', description: 'Retry a parked command with it' }) id!: string;
  @ApiProperty({ example: 'transfer-process' }) manager!: string;
  @ApiProperty({ description: 'The process (for transfers: the transfer id)' })
  processId!: string;
  @ApiProperty({ example: 'CreditForTransfer' }) type!: string;
  @ApiProperty({ enum: ['pending', 'parked'] }) status!: string;
  @ApiProperty({ description: 'Failed sends since it was stored or last retried' })
  attempts!: number;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The last failed send' })
  lastError!: string | null;
  @ApiProperty({ description: 'The event, refusal or deadline that decided it' })
  causationId!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Last failure, park or operator retry' })
  updatedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When a pending command is due (again)' })
  availableAt!: string;
}

export class ProcessCommandsDto {
  @ApiProperty({ description: 'Commands waiting to be sent (first time or again), in total' })
  pending!: number;
  @ApiProperty({ description: 'Commands parked after their last allowed attempt, in total' })
  parked!: number;
  @ApiProperty({
    type: [ProcessCommandDto],
    description: 'The oldest `limit` commands of the statuses asked for',
  })
  commands!: ProcessCommandDto[];
}

export class ListProcessDeadlinesRequestDto {
  @ApiPropertyOptional({ default: false, description: 'true: only the deadlines due now' })
  @IsOptional()
  // Query strings are text: only the words true and false mean a boolean here.
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  due?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ROWS, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ROWS)
  limit?: number;
}

export class ProcessDeadlineDto {
  @ApiProperty({ example: 'transfer-process' }) manager!: string;
  @ApiProperty() processId!: string;
  @ApiProperty({ example: 'credit' }) key!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ description: 'Its time has come: a worker fires it on its next round' })
  due!: boolean;
}

export class StuckTransfersRequestDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 31_536_000,
    default: 60,
    description: 'Only transfers initiated at least this long ago',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(31_536_000)
  olderThanSeconds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ROWS, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ROWS)
  limit?: number;
}

export class StuckTransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) fromAccountId!: string;
  @ApiProperty({ format: 'uuid' }) toAccountId!: string;
  @ApiProperty({ description: 'Minor units' }) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'ms since it was initiated' }) ageMs!: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    enum: ['NEW', 'DEBITING', 'CREDITING', 'CANCELLING', 'REFUNDING', 'DONE'],
    description: "The transfer process's phase (null: it has not seen the transfer yet)",
  })
  phase!: string | null;
  @ApiProperty({ description: 'Commands of its process parked for an operator' })
  parkedCommands!: number;
  @ApiProperty({ description: 'Commands of its process waiting to be sent' })
  pendingCommands!: number;
}
