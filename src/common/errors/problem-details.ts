import { HttpException, HttpStatus } from '@nestjs/common';
import { isDatabaseTimeout, isDatabaseUnavailable } from '@ledgerline/event-sourcing/postgres';
import { ApiError } from './api-error';
import { ERROR_CATALOGUE, ErrorCode, isErrorCode } from './error-catalogue';
import { StoredProblemError } from '../idempotency/stored-problem.error';

/** An RFC 9457 problem document with Ledgerline's stable `code` extension. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemType = (code: ErrorCode): string =>
  `urn:ledgerline:problem:${code.toLowerCase().replace(/_/g, '-')}`;

function problem(
  code: ErrorCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  const { status, title } = ERROR_CATALOGUE[code];
  // Extensions first: they may add fields but never override the catalogued ones.
  return { ...extensions, type: problemType(code), title, status, code, detail };
}

/** Codes Nest's own HttpExceptions map to (routing, body parsing, terminus). */
const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'MALFORMED_JSON',
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'METHOD_NOT_ALLOWED',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'SERVICE_UNAVAILABLE',
};

/** Body-parser errors carry a `type` and a `status`; they never reach a controller. */
function bodyParserProblem(error: object): ProblemDetails | undefined {
  const type = 'type' in error ? error.type : undefined;
  if (type === 'entity.too.large')
    return problem('PAYLOAD_TOO_LARGE', 'the request body exceeds the size limit');
  if (type === 'entity.parse.failed')
    return problem('MALFORMED_JSON', 'the request body could not be parsed as JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return problem('UNSUPPORTED_MEDIA_TYPE', 'the request body encoding is not supported');
  }
  return undefined;
}

/**
 * Maps anything thrown to a problem. Known errors (ApiError, domain and library errors with
 * a catalogued `code`) keep their message as `detail`; anything else becomes a generic 500
 * whose detail reveals nothing (no stack, no SQL).
 */
export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof StoredProblemError) return error.body as unknown as ProblemDetails;
  if (error instanceof ApiError) return problem(error.code, error.detail, error.extensions);
  if (typeof error === 'object' && error !== null) {
    const code = 'code' in error ? error.code : undefined;
    if (isErrorCode(code) && error instanceof Error) return problem(code, error.message);
    const parsed = bodyParserProblem(error);
    if (parsed) return parsed;
  }
  // Transient: the outcome of a write cut off mid-way is unknown, so the detail says how to
  // retry safely; nothing about the server (host, SQL) is revealed.
  if (isDatabaseUnavailable(error))
    return problem(
      'DATABASE_UNAVAILABLE',
      'the database is unreachable or restarting; retry shortly with the same Idempotency-Key',
    );
  if (isDatabaseTimeout(error))
    return problem(
      'DATABASE_TIMEOUT',
      'a database statement or lock wait took too long; retry shortly with the same Idempotency-Key',
    );
  if (error instanceof HttpException) {
    const code = HTTP_STATUS_CODES[error.getStatus()];
    if (code) {
      const detail =
        code === 'NOT_FOUND'
          ? 'no route matches this method and path'
          : ERROR_CATALOGUE[code].title;
      return problem(code, detail);
    }
  }
  return problem('INTERNAL_ERROR', 'an unexpected error occurred; it has been logged');
}
