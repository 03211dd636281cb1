import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** GET /audit/verification: one stream, or (absent) the whole log. */
export class AuditVerificationRequestDto {
  @ApiPropertyOptional({
    description:
      "One stream's chain (e.g. account-<id>); absent: the whole log and its checkpoints",
    example: 'account-5f0c2a57-4f7b-4a3e-9d4e-1b2c3d4e5f60',
    minLength: 1,
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  streamId?: string;
}
