import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const MAX_HISTORY_PAGE = 500;

export class AccountHistoryRequestDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    default: 1,
    description: 'The first version to list (the first page only; later pages: cursor)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  fromVersion?: number;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_HISTORY_PAGE,
    default: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HISTORY_PAGE)
  limit?: number;

  @ApiPropertyOptional({
    description: 'nextCursor of the previous page (opaque); not together with fromVersion',
    maxLength: 256,
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  cursor?: string;
}

export class BalanceAsOfRequestDto {
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-11-22T12:00:00Z',
    description:
      'ISO-8601 instant; default now. Before the account was opened: 404 ACCOUNT_NOT_YET_OPENED',
  })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  asOf?: string;
}

export class StatementRequestDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-11-01T00:00:00Z',
    description: 'Start of the period (ISO-8601 instant, included)',
  })
  @IsISO8601({ strict: true, strictSeparator: true })
  from!: string;

  @ApiProperty({
    format: 'date-time',
    example: '2026-12-01T00:00:00Z',
    description: 'End of the period (excluded); after `from`, at most 366 days later',
  })
  @IsISO8601({ strict: true, strictSeparator: true })
  to!: string;
}
