import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

/** What a client may send as X-Request-Id or X-Correlation-Id: short, and safe in a log. */
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';
export const CORRELATION_ID_HEADER = 'X-Correlation-Id';

/** The ids of one HTTP request, as its response echoes them and its log lines carry them. */
export interface RequestIds {
  /** This request: the client's X-Request-Id when valid, otherwise a new uuid. */
  readonly requestId: string;
  /**
   * The chain the request belongs to: the client's X-Correlation-Id when valid, otherwise the
   * request id; a write's events carry it too (command-context.decorator.ts).
   */
  readonly correlationId: string;
}

// Keyed by the request object, like the principal in request-principal.ts, so Express's
// Request type stays as it is.
const ids = new WeakMap<IncomingMessage, RequestIds>();

const validHeader = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name.toLowerCase()];
  return typeof value === 'string' && ID.test(value) ? value : undefined;
};

/**
 * Gives the request its ids and echoes them as response headers right away, so every
 * response carries them, problem+json answers and those of failing middleware included. An
 * invalid id is replaced rather than refused: logging must never fail a request, and a write
 * with an invalid X-Correlation-Id is refused by its command context anyway.
 */
export function assignRequestIds(request: IncomingMessage, response: ServerResponse): RequestIds {
  const requestId = validHeader(request, REQUEST_ID_HEADER) ?? randomUUID();
  const assigned: RequestIds = {
    requestId,
    correlationId: validHeader(request, CORRELATION_ID_HEADER) ?? requestId,
  };
  ids.set(request, assigned);
  response.setHeader(REQUEST_ID_HEADER, assigned.requestId);
  response.setHeader(CORRELATION_ID_HEADER, assigned.correlationId);
  return assigned;
}

/** The ids `assignRequestIds` gave this request, or undefined when it has not run. */
export const requestIdsOf = (request: IncomingMessage): RequestIds | undefined => ids.get(request);
