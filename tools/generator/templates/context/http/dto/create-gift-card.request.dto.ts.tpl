import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateGiftCardRequestDto {
  @ApiProperty({ example: 'Birthday', maxLength: 200, description: 'What the gift card is for' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title!: string;
}
