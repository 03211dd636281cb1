import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AuthHeaders } from '../support/bench-auth';

/** What one POST got back, with the moment its status line arrived (performance.now()). */
export interface PostOutcome {
  readonly status: number;
  readonly body: unknown;
  readonly answeredAt: number;
  /** Sent again after the keep-alive race below. */
  readonly retried: boolean;
}

/** An error thrown by a request, with whether it went out on a kept-alive socket. */
class RequestError extends Error {
  constructor(
    readonly original: Error,
    readonly reusedSocket: boolean,
  ) {
    super(original.message);
  }
}

const TIMEOUT_MS = 10_000;

/**
 * POSTs JSON through a keep-alive agent, with `auth`'s bearer token. `answeredAt` is taken
 * when the response headers arrive, the earliest moment the client knows the write committed.
 * A reset of a reused socket is the keep-alive race (the server closed the idle connection as
 * the request went out, so it normally never read it): the request is sent once more, as
 * Node's docs advise; if the server did read it, the extra deposit is within the final
 * check's unanswered margin. Any other error is thrown.
 */
export async function postJson(
  agent: Agent,
  auth: AuthHeaders,
  url: string,
  payload: unknown,
): Promise<PostOutcome> {
  try {
    return await postOnce(agent, auth, url, payload, false);
  } catch (error) {
    const stale =
      error instanceof RequestError &&
      error.reusedSocket &&
      (error.original as NodeJS.ErrnoException).code === 'ECONNRESET';
    if (!stale) throw error instanceof RequestError ? error.original : error;
    return postOnce(agent, auth, url, payload, true).catch((again: unknown) => {
      throw again instanceof RequestError ? again.original : again;
    });
  }
}

function postOnce(
  agent: Agent,
  auth: AuthHeaders,
  url: string,
  payload: unknown,
  retried: boolean,
): Promise<PostOutcome> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: TIMEOUT_MS,
        headers: {
          ...auth,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const answeredAt = performance.now();
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Kept as text: it is reported as it came.
          }
          resolve({ status: response.statusCode ?? 0, body: parsed, answeredAt, retried });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    outgoing.on('error', (error) => reject(new RequestError(error, outgoing.reusedSocket)));
    outgoing.end(body);
  });
}

/** The response's `field` as a string, or a thrown error naming what came instead. */
export function stringField(outcome: PostOutcome, field: string): string {
  const body = outcome.body;
  if (typeof body === 'object' && body !== null && field in body) {
    const value: unknown = (body as Record<string, unknown>)[field];
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
  }
  throw new Error(`answer ${outcome.status} has no ${field}: ${JSON.stringify(body)}`);
}
