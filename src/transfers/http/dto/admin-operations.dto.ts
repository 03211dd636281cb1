import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { count, minorUnits } from '../../../common/http/api-numbers';

/** The most rows one admin list returns. */
const MAX_ROWS = 500;

/** `limit` and `cursor` of the admin lists: up to 500 rows a page, 100 by default. */
class AdminPageRequestDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_ROWS,
    default: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ROWS)
  limit?: number;

  @ApiPropertyOptional({
    description: 'nextCursor of the previous page (opaque; only valid with the same filters)',
    maxLength: 256,
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  cursor?: string;
}

const NEXT_CURSOR = {
  type: String,
  nullable: true,
  description: 'Send as cursor for the next page; null on the last page',
};

export class ListProcessCommandsRequestDto extends AdminPageRequestDto {
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
}

export class ProcessCommandDto {
  @ApiProperty({ format: 'uuid', description: 'Retry a parked command with it' }) id!: string;
  @ApiProperty({ example: 'transfer-process' }) manager!: string;
  @ApiProperty({ description: 'The process (for transfers: the transfer id)' })
  processId!: string;
  @ApiProperty({
    example: 'TransferStepCommand',
    description:
      'The type it is stored under: the class name of the command (or, stored by an earlier version, the type that version used)',
  })
  type!: string;
  @ApiProperty({
    example: 'TransferStepCommand credit',
    description:
      'What it does, for people: its class and, for a step of a transfer, the step (debit, credit, cancel-credit, refund, settle-debit); the same whichever version stored it',
  })
  label!: string;
  @ApiProperty({ enum: ['pending', 'parked'] }) status!: string;
  @ApiProperty(count('Failed sends since it was stored or last retried', 5)) attempts!: number;
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

/** A page of commands, with the totals of both statuses beside it. */
export class ProcessCommandsDto {
  @ApiProperty({
    type: [ProcessCommandDto],
    description: 'Commands of the statuses asked for, oldest first',
  })
  items!: ProcessCommandDto[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
  @ApiProperty(count('Commands waiting to be sent (first time or again), in total', 0))
  pending!: number;
  @ApiProperty(count('Commands parked after their last allowed attempt, in total', 1))
  parked!: number;
}

export class ProcessCommandRetriedDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
}

export class ListProcessDeadlinesRequestDto extends AdminPageRequestDto {
  @ApiPropertyOptional({ default: false, description: 'true: only the deadlines due now' })
  @IsOptional()
  // Query strings are text: only the words true and false mean a boolean here.
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  due?: boolean;
}

export class ProcessDeadlineDto {
  @ApiProperty({ example: 'transfer-process' }) manager!: string;
  @ApiProperty() processId!: string;
  @ApiProperty({ example: 'credit' }) key!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ description: 'Its time has come: a worker fires it on its next round' })
  due!: boolean;
}

export class ProcessDeadlinePageDto {
  @ApiProperty({ type: [ProcessDeadlineDto], description: 'Earliest first' })
  items!: ProcessDeadlineDto[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}

export class StuckTransfersRequestDto extends AdminPageRequestDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
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
}

export class StuckTransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) fromAccountId!: string;
  @ApiProperty({ format: 'uuid' }) toAccountId!: string;
  @ApiProperty(minorUnits('Amount', 2500)) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty(count('Milliseconds since it was initiated', 95_000)) ageMs!: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    enum: [
      'NEW',
      'AWAITING_APPROVAL',
      'EXPIRING',
      'DEBITING',
      'CREDITING',
      'CANCELLING',
      'REFUNDING',
      'DONE',
    ],
    description: "The transfer process's phase (null: it has not seen the transfer yet)",
  })
  phase!: string | null;
  @ApiProperty(count('Commands of its process parked for an operator', 1))
  parkedCommands!: number;
  @ApiProperty(count('Commands of its process waiting to be sent', 0))
  pendingCommands!: number;
}

export class StuckTransferPageDto {
  @ApiProperty({ type: [StuckTransferDto], description: 'Oldest first' })
  items!: StuckTransferDto[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}
