import { ApiProperty } from '@nestjs/swagger';
import { count, minorUnits, streamVersion } from '../../../common/http/api-numbers';

export class AccountSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty(minorUnits('Balance')) balance!: number;
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: string;
  @ApiProperty(streamVersion('Stream version the read model has applied')) version!: number;
  @ApiProperty({ format: 'date-time', description: 'When it was opened: lists are in this order' })
  openedAt!: string;
}

export class AccountPageDto {
  @ApiProperty({
    type: [AccountSummaryDto],
    description: 'In order of opening (oldest first), then id',
  })
  items!: AccountSummaryDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Send as cursor for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

class MovementTotalDto {
  @ApiProperty({
    type: String,
    pattern: '^[0-9]+$',
    example: '1500',
    description:
      'Sum in minor units as a decimal string: a day of a currency can sum past 2^53, where a JSON number stops being exact',
  })
  amount!: string;
  @ApiProperty(count('How many movements', 2)) count!: number;
}

export class DailyTotalDto {
  @ApiProperty({ format: 'date', example: '2026-11-22' }) day!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: MovementTotalDto }) deposits!: MovementTotalDto;
  @ApiProperty({ type: MovementTotalDto }) withdrawals!: MovementTotalDto;
}

export class DailyTotalPageDto {
  @ApiProperty({ type: [DailyTotalDto], description: 'By day, then currency' })
  items!: DailyTotalDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Send as cursor for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
