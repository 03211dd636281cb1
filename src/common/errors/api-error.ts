import { ErrorCode } from './error-catalogue';

/** An error raised by the HTTP layer itself (bad header, bad id), rendered by the filter. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** One invalid field of a request body or query, as listed in a VALIDATION_FAILED problem. */
export interface FieldError {
  readonly field: string;
  readonly messages: string[];
}
