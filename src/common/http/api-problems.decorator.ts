import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CATALOGUE, ErrorCode, isErrorCode } from '../errors/error-catalogue';

/** One invalid field of a VALIDATION_FAILED problem. */
export class FieldErrorDto {
  @ApiProperty({ example: 'amount', description: 'The field, dotted for nested ones' })
  field!: string;
  @ApiProperty({ type: [String], example: ['amount must be an integer'] })
  messages!: string[];
}

/** RFC 9457 problem document, as every error response carries it. */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'urn:ledgerline:problem:insufficient-funds' }) type!: string;
  @ApiProperty({ example: 'The account balance is too low' }) title!: string;
  @ApiProperty({ type: 'integer', example: 422, description: 'The HTTP status, repeated' })
  status!: number;
  @ApiProperty({
    enum: Object.keys(ERROR_CATALOGUE),
    description: 'Stable machine-readable error code',
  })
  code!: string;
  @ApiProperty() detail!: string;
  @ApiProperty({ example: '/accounts/5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21/withdrawals' })
  instance!: string;
  @ApiPropertyOptional({
    type: [FieldErrorDto],
    description: 'VALIDATION_FAILED only: each invalid field with its messages',
  })
  errors?: FieldErrorDto[];
}

/** What any read of the database may answer while the database is down or slow. */
export const DATABASE_READ_PROBLEMS: readonly ErrorCode[] = [
  'DATABASE_UNAVAILABLE',
  'DATABASE_TIMEOUT',
];

/**
 * The OpenAPI extension that carries an operation's error codes from the decorators to the
 * document (see openapi-document.ts, which turns them into one response per status with an
 * example per code, and removes it).
 */
export const PROBLEMS_EXTENSION = 'x-ledgerline-problems';

/**
 * Where @nestjs/swagger keeps a method's OpenAPI extensions (its API_EXTENSION_METADATA,
 * which the package does not export); openapi-rules.e2e-spec fails if it ever moves.
 */
const API_EXTENSION_METADATA = 'swagger/apiExtension';

/** The OpenAPI extensions declared on a method so far. */
function extensionsOf(method: object): Record<string, unknown> {
  const extensions: unknown = Reflect.getMetadata(API_EXTENSION_METADATA, method);
  return typeof extensions === 'object' && extensions !== null
    ? (extensions as Record<string, unknown>)
    : {};
}

/**
 * Documents error codes an endpoint answers. Several uses on one method add up (the access
 * policy's, the write's, the route's own), unlike @ApiResponse, where the last one of a
 * status wins. Written to the extension directly: of two ApiExtension values of one key,
 * Nest keeps the first applied (the decorator lowest on the method).
 */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator {
  return (target, key, descriptor) => {
    const method = descriptor.value as object;
    const extensions = extensionsOf(method);
    const previous = extensions[PROBLEMS_EXTENSION];
    const all = new Set([
      ...(Array.isArray(previous) ? previous.filter(isErrorCode) : []),
      ...codes,
    ]);
    Reflect.defineMetadata(
      API_EXTENSION_METADATA,
      { ...extensions, [PROBLEMS_EXTENSION]: [...all] },
      method,
    );
    ApiExtraModels(ProblemDetailsDto)(target, key, descriptor);
    return descriptor;
  };
}
