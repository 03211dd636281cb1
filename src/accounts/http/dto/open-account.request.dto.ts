import { ApiProperty } from '@nestjs/swagger';
import { IsISO4217CurrencyCode, IsUUID, Matches } from 'class-validator';

export class OpenAccountRequestDto {
  @ApiProperty({ format: 'uuid', description: 'The customer who owns the account' })
  @IsUUID()
  customerId!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217 currency code, upper case' })
  // The ISO check alone accepts lower case; codes are stored exactly as sent, so insist on upper.
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be three upper-case letters' })
  @IsISO4217CurrencyCode()
  currency!: string;
}
