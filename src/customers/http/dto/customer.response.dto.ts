import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CustomerWriteResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The customer stream's version" }) version!: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Global position of the write (send as X-Min-Position); null when nothing changed',
  })
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
  @ApiProperty({ description: 'Accounts still open' }) openAccounts!: number;
  @ApiProperty() version!: number;
}

export class CustomerListItemDto extends CustomerResponseDto {
  @ApiProperty() registeredAt!: string;
}

export class CustomerPageDto {
  @ApiProperty({ type: [CustomerListItemDto] }) items!: CustomerListItemDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) nextCursor!: string | null;
}
