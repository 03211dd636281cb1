import { ApiProperty } from '@nestjs/swagger';
import { IsISO4217CurrencyCode, IsUUID } from 'class-validator';

export class OpenAccountRequestDto {
  @ApiProperty({ format: 'uuid', description: 'The customer who owns the account' })
  @IsUUID()
  customerId!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217 currency code, upper case' })
  @IsISO4217CurrencyCode()
  currency!: string;
}
