import type { Request } from 'express';

// No runtime imports: the tracing SDK loads this before the modules it instruments.

/**
 * The route pattern Express matched (`/accounts/:id/deposits`), never the URL with its ids
 * and query string; undefined when no route matched (404, preflight, a middleware refused).
 * Nest mounts module middleware as wildcard routes (`{/*splat}`), which Express records as
 * the matched route until a controller's route replaces it: a wildcard is no match. The
 * controllers declare none.
 */
export function matchedRoute(request: Request): string | undefined {
  const route: unknown = request.route;
  if (typeof route !== 'object' || route === null || !('path' in route)) return undefined;
  const path = route.path;
  return typeof path === 'string' && !path.includes('*') ? `${request.baseUrl}${path}` : undefined;
}
