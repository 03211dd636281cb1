import { ApiProperty } from '@nestjs/swagger';
import { count, logPosition, streamVersion } from '../../../common/http/api-numbers';

export class CustomerWriteResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(streamVersion("The customer stream's version")) version!: number;
  @ApiProperty(
    logPosition(
      'Global position of the write (send as X-Min-Position); null when nothing changed',
      true,
    ),
  )
  position!: string | null;
}

export class CustomerResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Null once erased' })
  name!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Null once erased' })
  email!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Normalised; null once erased',
    example: 'AB123456',
  })
  documentNumber!: string | null;
  @ApiProperty({ enum: ['ACTIVE', 'UNREGISTERED', 'ERASED'] }) status!: string;
  @ApiProperty(count('Accounts still open', 1)) openAccounts!: number;
  @ApiProperty(streamVersion('Stream version, also sent as the ETag')) version!: number;
}

export class CustomerListItemDto extends CustomerResponseDto {
  @ApiProperty({
    format: 'date-time',
    description: 'When the customer registered: lists are in this order',
  })
  registeredAt!: string;
}

export class CustomerPageDto {
  @ApiProperty({
    type: [CustomerListItemDto],
    description: 'In order of registration (oldest first), then id',
  })
  items!: CustomerListItemDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Send as cursor for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
