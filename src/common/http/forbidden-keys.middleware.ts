import { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error';

/**
 * The deepest nesting of objects and arrays a JSON body may have. class-transformer and
 * class-validator recurse once per level, and about 1 500 levels (a 3 kB body, well under the
 * size limit) overflow the stack: a 500 instead of a 400. Every body this API accepts is a flat
 * object, so 32 leaves ample room while keeping every recursive walk, this one included,
 * shallow.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Names that prototype pollution uses (`__proto__`, `constructor`, `prototype`) and every
 * other Object.prototype member: class-transformer skips a key whose value on the target is a
 * function (`toString`, `valueOf`, …), so such an unknown field would slip past the
 * whitelist unnoticed instead of being refused like any other unknown field.
 */
const FORBIDDEN = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

type Finding =
  | { readonly kind: 'key'; readonly field: string }
  | { readonly kind: 'depth'; readonly field: string };

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/**
 * The first forbidden key or over-deep container in a parsed JSON (or query) value. The
 * recursion stops at MAX_JSON_DEPTH, so this walk cannot overflow the stack either.
 */
function inspect(value: unknown, path: string, depth: number): Finding | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_JSON_DEPTH) return { kind: 'depth', field: path };
  for (const key of Object.keys(value)) {
    const field = join(path, key);
    if (FORBIDDEN.has(key)) return { kind: 'key', field };
    const nested = inspect((value as Record<string, unknown>)[key], field, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

function refusal(finding: Finding, where: 'body' | 'query string'): ApiError {
  const field = finding.field || '(body)';
  if (finding.kind === 'depth') {
    return new ApiError(
      'VALIDATION_FAILED',
      `the ${where} nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`,
      { errors: [{ field, messages: [`${field} is nested too deeply`] }] },
    );
  }
  return new ApiError('VALIDATION_FAILED', `the ${where} uses a reserved property name`, {
    errors: [{ field, messages: [`${field} is not allowed`] }],
  });
}

/**
 * Refuses JSON bodies and query strings with prototype-polluting or Object.prototype-named
 * keys anywhere, and bodies nested deeper than MAX_JSON_DEPTH, before any code merges them
 * into objects or walks them recursively. Such keys are never valid in this API, so refusing
 * beats silently dropping. Runs right after the body parser.
 */
export function rejectPrototypeKeys(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const inBody = inspect(request.body, '', 1);
  if (inBody) return next(refusal(inBody, 'body'));
  // Express parses the query string on each read of request.query.
  const inQuery = inspect(request.query, '', 1);
  if (inQuery) return next(refusal(inQuery, 'query string'));
  next();
}
