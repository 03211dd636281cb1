import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ERROR_CATALOGUE, ErrorCode } from '../errors/error-catalogue';

/** RFC 9457 problem document, as every error response carries it. */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'urn:ledgerline:problem:insufficient-funds' }) type!: string;
  @ApiProperty({ example: 'The account balance is too low' }) title!: string;
  @ApiProperty({ example: 422 }) status!: number;
  @ApiProperty({
    enum: Object.keys(ERROR_CATALOGUE),
    description: 'Stable machine-readable error code',
  })
  code!: string;
  @ApiProperty() detail!: string;
  @ApiProperty({ example: '/accounts/5f0c…/withdrawals' }) instance!: string;
  @ApiPropertyOptional({
    description: 'VALIDATION_FAILED only: each invalid field with its messages',
    example: [{ field: 'amount', messages: ['amount must be a positive number'] }],
  })
  errors?: { field: string; messages: string[] }[];
}

/** Documents the listed error codes on an endpoint, one response per status. */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERROR_CATALOGUE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((code) => `${code}: ${ERROR_CATALOGUE[code].title}`).join('; '),
        content: {
          'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsDto) } },
        },
      }),
    ),
  );
}
