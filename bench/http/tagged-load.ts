import autocannon from 'autocannon';

/**
 * One autocannon run in which every request carries a unique reference (`<tag>-<n>`) in its
 * body, and every reference answered 2xx is kept, so the database can be checked afterwards:
 * each answered request must have committed exactly once.
 */
export interface TaggedLoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /**
   * Requests per second across all connections (autocannon's overallRate); unset, each
   * connection sends its next request as soon as its last is answered.
   */
  readonly overallRate?: number;
  /** Prefix of this run's references; unique in the benchmark, no space or '-'. */
  readonly tag: string;
  /** Headers of each request besides the content type (a bearer token); called per request. */
  readonly headers?: () => Readonly<Record<string, string>>;
  /** The request carrying reference `ref`; called once per request sent. */
  build(ref: string): { path: string; body: string };
}

export interface TaggedLoadResult {
  readonly result: autocannon.Result;
  /** References of the requests answered 2xx, in arrival order. */
  readonly answered: readonly string[];
  /** Requests sent (answered or not: autocannon drops those in flight when time is up). */
  readonly sent: number;
  readonly okPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-2xx responses, by status. */
  readonly failures: Readonly<Record<string, number>>;
  /** The first non-2xx body, for the report. */
  readonly firstFailure?: string;
}

interface RefContext {
  ref?: string;
}

export async function runTaggedLoad(options: TaggedLoadOptions): Promise<TaggedLoadResult> {
  let sent = 0;
  const answered: string[] = [];
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Autocannon resets the context between requests and calls onResponse before building
        // the connection's next request, so the context holds the reference of the answer.
        setupRequest: (request, context) => {
          const ref = `${options.tag}-${sent++}`;
          (context as RefContext).ref = ref;
          return {
            ...request,
            ...options.build(ref),
            headers: { ...request.headers, ...options.headers?.() },
          };
        },
        onResponse: (status, body, context) => {
          const ref = (context as RefContext).ref;
          if (status >= 200 && status < 300 && ref !== undefined) answered.push(ref);
          else {
            failures[status] = (failures[status] ?? 0) + 1;
            firstFailure ??= `${status} ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  if (answered.length !== result['2xx']) {
    throw new Error(
      `${options.tag}: saw ${answered.length} 2xx answers, autocannon ${result['2xx']}`,
    );
  }
  return {
    result,
    answered,
    sent,
    okPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures,
    firstFailure,
  };
}
