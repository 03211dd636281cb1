import { ApiProperty } from '@nestjs/swagger';

export class AccountSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() balance!: number;
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: string;
  @ApiProperty() version!: number;
  @ApiProperty() openedAt!: string;
}

export class AccountPageDto {
  @ApiProperty({ type: [AccountSummaryDto] }) items!: AccountSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

class MovementTotalDto {
  @ApiProperty({ type: String, description: 'Sum in minor units, as a decimal string' })
  amount!: string;
  @ApiProperty() count!: number;
}

export class DailyTotalDto {
  @ApiProperty({ example: '2026-11-22' }) day!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: MovementTotalDto }) deposits!: MovementTotalDto;
  @ApiProperty({ type: MovementTotalDto }) withdrawals!: MovementTotalDto;
}
