import { PageRequestDto } from '../../../common/pagination/page.request.dto';
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID, MaxLength } from 'class-validator';

/** Paging and status filter of an account list. */
export class CustomerAccountsRequestDto extends PageRequestDto {
  @ApiPropertyOptional({ enum: ['OPEN', 'CLOSED'] })
  @IsOptional()
  @IsIn(['OPEN', 'CLOSED'])
  status?: 'OPEN' | 'CLOSED';
}

export class ListAccountsRequestDto extends CustomerAccountsRequestDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customerId?: string;
}

export class DailyTotalsRequestDto extends PageRequestDto {
  @ApiProperty({ format: 'date', example: '2026-11-01', description: 'First UTC day, inclusive' })
  @IsISO8601({ strict: true })
  @MaxLength(10)
  from!: string;

  @ApiProperty({
    format: 'date',
    example: '2026-11-30',
    description: 'Last UTC day, inclusive; at most 366 days after from',
  })
  @IsISO8601({ strict: true })
  @MaxLength(10)
  to!: string;
}
