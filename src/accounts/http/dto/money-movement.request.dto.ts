import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsUUID,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { DEPOSIT_CHANNELS, DepositChannel } from '../../domain/account.events';
import { MAX_AMOUNT } from '../../../shared-kernel/money';

export class MoneyMovementRequestDto {
  @ApiProperty({
    type: 'integer',
    format: 'int64',
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

export class DepositRequestDto extends MoneyMovementRequestDto {
  @ApiPropertyOptional({
    enum: DEPOSIT_CHANNELS,
    default: 'online',
    description: 'How the money came in',
  })
  @IsOptional()
  @IsIn(DEPOSIT_CHANNELS)
  channel?: DepositChannel;
}

export class OverdraftLimitRequestDto {
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    example: 50000,
    minimum: 0,
    maximum: MAX_AMOUNT,
    description: `How far below zero withdrawals and transfers may take the balance, integer minor units (0: not at all); at most ${MAX_AMOUNT}`,
  })
  @IsInt()
  @Min(0)
  @Max(MAX_AMOUNT)
  limit!: number;

  @ApiProperty({
    minLength: 1,
    maxLength: 200,
    example: 'salary account, credit check 2026-12',
    description: 'Why the limit was set: recorded with it for audit',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/^[^\p{Cc}]*[^\p{Cc}\s][^\p{Cc}]*$/u, {
    message: 'reason must have a visible character and no control characters',
  })
  reason!: string;
}

export class PlaceHoldRequestDto {
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    example: 4999,
    minimum: 1,
    maximum: MAX_AMOUNT,
    description: `What to reserve, integer minor units; it must fit in the spendable balance`,
  })
  @IsInt()
  @IsPositive()
  @Max(MAX_AMOUNT)
  amount!: number;

  @ApiProperty({
    minLength: 1,
    maxLength: 140,
    example: 'ACME BOOKS card 4417 authorisation',
    description: "Why (card-style: the merchant); the capture's withdrawal carries it as reference",
  })
  @IsString()
  @MinLength(1)
  @MaxLength(140)
  @Matches(/^[^\p{Cc}]*[^\p{Cc}\s][^\p{Cc}]*$/u, {
    message: 'reason must have a visible character and no control characters',
  })
  reason!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-12-13T12:00:00Z',
    description:
      'When the hold expires if not captured: in the future, at most 31 days away (default: 7 days)',
  })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "The hold's id, e.g. the card network's authorisation id (default: a new one). Placing the same id with the same amount and reason again places nothing new",
  })
  @IsOptional()
  @IsUUID()
  id?: string;
}

export class CaptureHoldRequestDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    example: 4200,
    minimum: 1,
    maximum: MAX_AMOUNT,
    description: 'What to capture, at most the hold (default: all of it); the rest is released',
  })
  @IsOptional()
  @IsInt()
  @IsPositive()
  @Max(MAX_AMOUNT)
  amount?: number;
}
