import { Agent, request } from 'node:http';
import { AttemptResult } from './history';

/** Where to send: an instance's base URL and its keep-alive agent. */
export interface Endpoint {
  readonly baseUrl: string;
  readonly agent: Agent;
}

function noAnswerReason(error: NodeJS.ErrnoException): 'reset' | 'refused' | 'error' {
  if (error.code === 'ECONNREFUSED') return 'refused';
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || /hang up/.test(error.message))
    return 'reset';
  return 'error';
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // kept as it came: reported, never interpreted
  }
}

/**
 * One HTTP request with a client-side deadline over the whole exchange (not an idle
 * timeout): when it passes, the socket is destroyed and the outcome is unknown, exactly as
 * for a client that gave up. Never rejects.
 */
export function sendRequest(
  endpoint: Endpoint,
  method: 'GET' | 'POST',
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string | null,
  timeoutMs: number,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const outgoing = request(
      `${endpoint.baseUrl}${path}`,
      {
        method,
        agent: endpoint.agent,
        headers: {
          ...headers,
          ...(body === null
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error: NodeJS.ErrnoException) =>
          settle({ kind: 'no-answer', reason: noAnswerReason(error), message: error.message }),
        );
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          settle({
            kind: 'response',
            status: response.statusCode ?? 0,
            body: parse(Buffer.concat(chunks).toString('utf8')),
            retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
            replayed: response.headers['idempotent-replayed'] === 'true',
          });
        });
      },
    );
    const timer = setTimeout(() => {
      settle({ kind: 'no-answer', reason: 'timeout', message: `no answer within ${timeoutMs} ms` });
      outgoing.destroy();
    }, timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      settle({ kind: 'no-answer', reason: noAnswerReason(error), message: error.message }),
    );
    outgoing.end(body ?? undefined);
  });
}
