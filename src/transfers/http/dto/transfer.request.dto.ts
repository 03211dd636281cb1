import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageRequestDto } from '../../../common/pagination/page.request.dto';
import { MAX_AMOUNT } from '../../../shared-kernel/money';
import { TRANSFER_STATUSES, TransferStatus } from '../../domain/transfer.state';

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
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Transfers from or to this account. Required for customers; staff may leave it out when they send status',
  })
  @IsOptional()
  @IsUUID()
  accountId?: string;

  @ApiPropertyOptional({
    enum: TRANSFER_STATUSES,
    example: 'AWAITING_APPROVAL',
    description: 'Only transfers in this status (AWAITING_APPROVAL: the approvals waiting)',
  })
  @IsOptional()
  @IsIn(TRANSFER_STATUSES)
  status?: TransferStatus;
}

export class RejectTransferRequestDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    example: 'beneficiary not verified',
    description: 'Why it was rejected: recorded with the rejection and shown as its reason',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/^[^\p{Cc}]*[^\p{Cc}\s][^\p{Cc}]*$/u, {
    message: 'reason must have a visible character and no control characters',
  })
  reason?: string;
}
