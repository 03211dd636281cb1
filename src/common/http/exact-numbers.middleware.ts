import { RawBodyRequest } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error';
import { findInexactNumber } from './json-numbers';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Every number in this API's JSON bodies is an integer (money in minor units, versions,
 * limits), so a number written with a fraction or an exponent, or beyond 2^53 - 1, is refused
 * rather than silently rounded: JSON.parse turns `100.000000000000001` into 100. Reads the raw
 * body Nest keeps (`rawBody: true`); runs after the body parser and rejectPrototypeKeys.
 */
export function rejectInexactNumbers(
  request: RawBodyRequest<Request>,
  _response: Response,
  next: NextFunction,
): void {
  const raw = request.rawBody;
  if (raw === undefined) return next();
  const charset = (
    CHARSET.exec(request.header('content-type') ?? '')?.[1] ?? 'utf-8'
  ).toLowerCase();
  // RFC 8259 requires UTF-8 between systems; other encodings cannot be scanned as bytes here.
  if (charset !== 'utf-8') {
    return next(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the JSON body encoded as UTF-8'));
  }
  const found = findInexactNumber(raw.toString('utf8'));
  if (found === undefined) return next();
  const message =
    found.reason === 'fraction'
      ? `${found.field} must be an integer written without a fraction or exponent (got ${found.text})`
      : `${found.field} must be an integer from -9007199254740991 to 9007199254740991 (got ${found.text})`;
  next(
    new ApiError(
      'VALIDATION_FAILED',
      'every number in a request body must be an exact integer (money is in minor units)',
      { errors: [{ field: found.field, messages: [message] }] },
    ),
  );
}
