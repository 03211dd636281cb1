import { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first forbidden key in a parsed JSON value, or undefined. */
function forbiddenKeyPath(value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const child = path ? `${path}.${key}` : key;
    if (FORBIDDEN.has(key)) return child;
    const nested = forbiddenKeyPath((value as Record<string, unknown>)[key], child);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * Refuses JSON bodies with prototype-polluting keys anywhere, before any code merges them
 * into objects. Such keys are never valid in this API, so refusing beats silently dropping.
 */
export function rejectPrototypeKeys(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const field = forbiddenKeyPath(request.body, '');
  if (field === undefined) return next();
  next(
    new ApiError('VALIDATION_FAILED', 'the body uses a reserved property name', {
      errors: [{ field, messages: [`${field} is not allowed`] }],
    }),
  );
}
