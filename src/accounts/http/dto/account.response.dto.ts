import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AccountWriteResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Stream version after the command; send it back in If-Match' })
  version!: number;
  @ApiPropertyOptional({
    description: 'Global position of the last event (consistency token)',
    nullable: true,
    type: String,
  })
  position!: string | null;
}

export class MoneyMovementResponseDto {
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Balance after the movement, in minor units' }) balance!: number;
  @ApiProperty({
    description: 'Global position of the event (consistency token)',
    type: String,
    nullable: true,
  })
  position!: string | null;
}

export class AccountResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ description: 'Minor units' }) balance!: number;
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: 'OPEN' | 'CLOSED';
  @ApiProperty({ description: 'Stream version, also sent as the ETag' }) version!: number;
}

export class BalanceAsOfResponseDto {
  @ApiProperty() balance!: number;
  @ApiProperty() currency!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ description: 'Stream version as of that instant' }) version!: number;
}

export class AccountHistoryEntryDto {
  @ApiProperty() version!: number;
  @ApiProperty({ type: String }) position!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'MoneyDeposited' }) type!: string;
  @ApiProperty() schemaVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty() occurredAt!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty({ format: 'uuid' }) commandId!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty() causationId!: string;
  @ApiProperty() actor!: string;
  @ApiPropertyOptional({
    description:
      'W3C traceparent of the request or process step that recorded it; only when tracing was on',
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  })
  traceparent?: string;
}

export class AccountHistoryResponseDto {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ type: [AccountHistoryEntryDto] }) events!: AccountHistoryEntryDto[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'fromVersion of the next page, or null',
  })
  nextFromVersion!: number | null;
}
