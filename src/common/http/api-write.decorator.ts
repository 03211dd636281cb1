import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-catalogue';
import { ApiProblems } from './api-problems.decorator';

export interface ApiWriteOptions {
  /** The route takes a JSON body (adds the body problems). */
  readonly body: boolean;
  /** The route honours If-Match (adds the header and VERSION_CONFLICT). */
  readonly ifMatch: boolean;
  /** The route's own outcomes (domain codes, INVALID_ID). */
  readonly problems: ErrorCode[];
}

const BODY_PROBLEMS: ErrorCode[] = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
];
/** Every write goes to the database; a connection lost in COMMIT leaves its outcome unknown. */
const DATABASE_WRITE_PROBLEMS: ErrorCode[] = [
  'DATABASE_UNAVAILABLE',
  'DATABASE_TIMEOUT',
  'COMMIT_OUTCOME_UNKNOWN',
];
const IDEMPOTENCY_PROBLEMS: ErrorCode[] = [
  'INVALID_IDEMPOTENCY_KEY',
  'INVALID_CORRELATION_ID',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_KEY_REUSED',
];

/**
 * Documents a write endpoint: the headers every write accepts and every error it can
 * answer, the shared ones (body, idempotency, If-Match, database) plus its own.
 */
export function ApiWrite(options: ApiWriteOptions): MethodDecorator {
  const headers = [
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        '1-255 visible ASCII characters. The same key with the same request replays the first response for 24 h (the same status, body bytes and Location, marked Idempotent-Replayed: true); with a different request it is 422 IDEMPOTENCY_KEY_REUSED.',
    }),
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: "Carried into the events' metadata",
    }),
  ];
  if (options.ifMatch) {
    headers.push(
      ApiHeader({
        name: 'If-Match',
        required: false,
        description:
          'The ETag (stream version) you last read, e.g. "3"; a mismatch is 409 VERSION_CONFLICT',
      }),
    );
  }
  const problems = new Set<ErrorCode>([
    // A route without a body refuses one with fields (NoBody): VALIDATION_FAILED too.
    ...(options.body ? BODY_PROBLEMS : (['VALIDATION_FAILED'] as ErrorCode[])),
    ...IDEMPOTENCY_PROBLEMS,
    ...(options.ifMatch ? (['INVALID_IF_MATCH', 'VERSION_CONFLICT'] as ErrorCode[]) : []),
    ...DATABASE_WRITE_PROBLEMS,
    ...options.problems,
  ]);
  return applyDecorators(...headers, ApiProblems(...problems));
}
