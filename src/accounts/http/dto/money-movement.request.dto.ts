import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsPositive, IsString, Matches, Max, MaxLength } from 'class-validator';
import { MAX_AMOUNT } from '../../../shared-kernel/money';

export class MoneyMovementRequestDto {
  @ApiProperty({
    example: 1250,
    minimum: 1,
    maximum: MAX_AMOUNT,
    description: `Integer minor units of the account currency (1250 = 12.50 EUR); at most ${MAX_AMOUNT}`,
  })
  @IsInt()
  @IsPositive()
  @Max(MAX_AMOUNT)
  amount!: number;

  @ApiPropertyOptional({ maxLength: 140, example: 'invoice 2026-114' })
  @IsOptional()
  @IsString()
  @MaxLength(140)
  // Control characters would end up in statements and logs verbatim.
  @Matches(/^[^\p{Cc}]*$/u, { message: 'reference must not contain control characters' })
  reference?: string;
}
