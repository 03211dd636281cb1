import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';

export const MAX_HISTORY_PAGE = 500;

export class AccountHistoryRequestDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  fromVersion?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_HISTORY_PAGE, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HISTORY_PAGE)
  limit?: number;
}

export class BalanceAsOfRequestDto {
  @ApiPropertyOptional({
    example: '2026-11-22T12:00:00Z',
    description: 'ISO-8601 instant; default now',
  })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  asOf?: string;
}
