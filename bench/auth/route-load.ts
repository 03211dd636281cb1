import autocannon from 'autocannon';

/** One closed-loop autocannon run of GETs of one path. */
export interface RouteLoad {
  readonly okPerSecond: number;
  readonly ok: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-2xx answers, connection errors and timeouts (a valid run has none). */
  readonly failed: number;
  /** The first non-2xx answer, for the report. */
  readonly firstFailure?: string;
}

/**
 * GET `path` on `connections` keep-alive connections (HTTP/1.1, no pipelining), each sending
 * the next request as soon as the last is answered, for `seconds`.
 */
export async function loadRoute(options: {
  readonly baseUrl: string;
  readonly path: string;
  /** Headers of each request (a bearer token); called per request. */
  readonly headers: () => Readonly<Record<string, string>>;
  readonly connections: number;
  readonly seconds: number;
}): Promise<RouteLoad> {
  let firstFailure: string | undefined;
  const result = await autocannon({
    url: `${options.baseUrl}${options.path}`,
    connections: options.connections,
    duration: options.seconds,
    method: 'GET',
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, ...options.headers() },
        }),
        onResponse: (status, body) => {
          if (status < 200 || status >= 300) firstFailure ??= `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  return {
    okPerSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    firstFailure,
  };
}
