import { NextFunction, Request, Response } from 'express';

/** Swagger UI, its assets and the OpenAPI document: public and cacheable. */
const DOCS = /^\/docs(?:[/-]|$)/;

/**
 * Responses carry balances, histories and personal data: `Cache-Control: no-store` keeps
 * them out of browser, proxy and CDN caches, errors included. Registered before everything
 * else, so every answer, even one from a failing middleware, carries it.
 */
export function noStore(request: Request, response: Response, next: NextFunction): void {
  if (!DOCS.test(request.path)) response.setHeader('Cache-Control', 'no-store');
  next();
}
