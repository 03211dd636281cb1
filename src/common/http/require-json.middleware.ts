import { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error';

/**
 * A request that carries a body must send it as JSON. Without this, a `text/plain` body is
 * silently ignored and the client gets a puzzling VALIDATION_FAILED for "missing" fields.
 */
export function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  const hasBody =
    request.headers['transfer-encoding'] !== undefined ||
    Number(request.headers['content-length'] ?? 0) > 0;
  if (!hasBody || request.is('application/json')) return next();
  next(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json'));
}
