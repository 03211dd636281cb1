import { ApiProperty } from '@nestjs/swagger';
import { logPosition, streamVersion } from '../../../common/http/api-numbers';

export class GiftCardWriteResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(streamVersion('Stream version after the command')) version!: number;
  @ApiProperty(
    logPosition(
      'Global position of the last event (send as X-Min-Position); null when nothing changed',
      true,
    ),
  )
  position!: string | null;
}

export class GiftCardResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Birthday' }) title!: string;
  @ApiProperty(streamVersion('Stream version, also sent as the ETag')) version!: number;
}

export class GiftCardSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Birthday' }) title!: string;
  @ApiProperty({ format: 'date-time', description: 'When it was created: lists are in this order' })
  createdAt!: string;
}

export class GiftCardPageDto {
  @ApiProperty({
    type: [GiftCardSummaryDto],
    description: 'In order of creation (oldest first), then id',
  })
  items!: GiftCardSummaryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Cursor of the next page, or null' })
  nextCursor!: string | null;
}
