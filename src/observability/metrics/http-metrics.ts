import { Injectable } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { LedgerlineMetrics } from './ledgerline-metrics';

/** The route label of a request that no route took (an unknown path, a refused body). */
export const UNMATCHED_ROUTE = 'unmatched';
/** The status label of a request whose client went away before the response was complete. */
export const CLIENT_CLOSED_STATUS = '499';

/**
 * The route pattern that handled `request` (`/accounts/:id/deposits`), never the path
 * itself: ids in a label would make a series per account. Nest mounts module middleware as
 * wildcard routes (`{/*splat}`), which Express keeps as the request's route until a
 * controller's route replaces it, so a wildcard counts as no match (no controller has one).
 */
function routeOf(request: Request): string {
  const route: unknown = request.route;
  if (typeof route !== 'object' || route === null || !('path' in route)) return UNMATCHED_ROUTE;
  const path = route.path;
  return typeof path === 'string' && !path.includes('*')
    ? `${request.baseUrl}${path}`
    : UNMATCHED_ROUTE;
}

/**
 * Times every HTTP request into ledgerline_http_request_duration_seconds. Express middleware,
 * installed first (app.factory.ts), so requests answered by other middleware (CORS
 * preflights, body limits) count too; the route pattern is read when the response ends,
 * after routing.
 */
@Injectable()
export class HttpMetrics {
  constructor(private readonly metrics: LedgerlineMetrics) {}

  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.httpRequestDuration.observe(
        {
          method: request.method,
          route: routeOf(request),
          status: response.writableFinished ? String(response.statusCode) : CLIENT_CLOSED_STATUS,
        },
        seconds,
      );
    });
    next();
  };
}
