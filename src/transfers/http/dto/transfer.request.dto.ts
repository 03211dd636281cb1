import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsPositive, IsUUID, Max } from 'class-validator';
import { PageRequestDto } from '../../../common/pagination/page.request.dto';
import { MAX_AMOUNT } from '../../../shared-kernel/money';

export class InitiateTransferRequestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  fromAccountId!: string;

  @ApiProperty({ format: 'uuid', description: 'Must differ from fromAccountId' })
  @IsUUID()
  toAccountId!: string;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    example: 2500,
    minimum: 1,
    maximum: MAX_AMOUNT,
    description: "Integer minor units of the source account's currency",
  })
  @IsInt()
  @IsPositive()
  @Max(MAX_AMOUNT)
  amount!: number;
}

export class ListTransfersRequestDto extends PageRequestDto {
  @ApiProperty({ format: 'uuid', description: 'Transfers from or to this account' })
  @IsUUID()
  accountId!: string;
}
