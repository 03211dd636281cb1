import { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/**
 * CORS_ORIGINS: comma-separated origins (`https://bank.example`, `http://localhost:5173`),
 * each exactly as a browser sends it in the Origin header, since the match is exact string
 * equality. Unset or empty: no cross-origin access.
 */
export function parseCorsOrigins(raw: string | undefined): readonly string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    let origin: string;
    try {
      const url = new URL(entry);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      origin = url.origin;
    } catch {
      throw new Error(
        `CORS_ORIGINS entry "${entry}" is not an http(s) origin such as https://bank.example`,
      );
    }
    // A browser sends the serialised origin: lower-case host, no default port, no path, no
    // trailing slash. Anything else would never match, so it is refused rather than ignored.
    if (origin !== entry) {
      throw new Error(
        `CORS_ORIGINS entry "${entry}" is not an origin as browsers send it; use "${origin}"`,
      );
    }
  }
  return [...new Set(entries)];
}

/**
 * Response headers a browser script may read beyond the CORS-safelisted ones: ETag feeds
 * If-Match, Location names what a write created, Retry-After paces retries,
 * Idempotent-Replayed tells a replay from a first execution, WWW-Authenticate says why a
 * token was refused, the rate limiter's X-RateLimit-* (one set per named throttler,
 * `requests` and `writes`) show the remaining budget, and X-Request-Id and X-Correlation-Id
 * name the request in the server's logs.
 */
const EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'Idempotent-Replayed',
  'WWW-Authenticate',
  'X-RateLimit-Limit-requests',
  'X-RateLimit-Remaining-requests',
  'X-RateLimit-Reset-requests',
  'X-RateLimit-Limit-writes',
  'X-RateLimit-Remaining-writes',
  'X-RateLimit-Reset-writes',
  'X-Request-Id',
  'X-Correlation-Id',
];

/** CORS for the listed origins; the caller enables it only when there are some. */
export function corsOptions(origins: readonly string[]): CorsOptions {
  return {
    origin: [...origins],
    methods: ['GET', 'POST', 'PUT', 'OPTIONS'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'If-Match',
      'X-Min-Position',
      'X-Correlation-Id',
      'X-Request-Id',
    ],
    exposedHeaders: EXPOSED_HEADERS,
    // Bearer tokens travel in Authorization, which allowedHeaders covers; the API uses no
    // cookies, so credentialed requests stay refused.
    credentials: false,
    maxAge: 600,
    // The cors middleware answers every preflight itself (204) instead of passing it on:
    // a preflight carries no bearer token, so it must never reach routing or guards.
    preflightContinue: false,
    optionsSuccessStatus: 204,
  };
}
