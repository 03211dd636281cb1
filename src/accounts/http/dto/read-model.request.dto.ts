import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const MAX_ACCOUNT_PAGE = 200;

/** Paging and status filter of an account list. */
export class CustomerAccountsRequestDto {
  @ApiPropertyOptional({ enum: ['OPEN', 'CLOSED'] })
  @IsOptional()
  @IsIn(['OPEN', 'CLOSED'])
  status?: 'OPEN' | 'CLOSED';

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ACCOUNT_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ACCOUNT_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}

export class ListAccountsRequestDto extends CustomerAccountsRequestDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customerId?: string;
}

export class DailyTotalsRequestDto {
  @ApiProperty({ example: '2026-11-01', description: 'First UTC day, inclusive' })
  @IsISO8601({ strict: true })
  @MaxLength(10)
  from!: string;

  @ApiProperty({
    example: '2026-11-30',
    description: 'Last UTC day, inclusive; at most 366 days after from',
  })
  @IsISO8601({ strict: true })
  @MaxLength(10)
  to!: string;
}
