import { Server } from 'node:http';

/** How long a client may take to send a request: all of it, and its headers. */
export interface HttpServerTimeouts {
  readonly requestMs: number;
  readonly headersMs: number;
}

/** Checks the pair read from HTTP_REQUEST_TIMEOUT_MS and HTTP_HEADERS_TIMEOUT_MS. */
export function httpServerTimeouts(requestMs: number, headersMs: number): HttpServerTimeouts {
  // Node refuses a headers timeout above the request timeout: the headers are part of it.
  if (headersMs > requestMs) {
    throw new Error(
      `HTTP_HEADERS_TIMEOUT_MS (${headersMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestMs})`,
    );
  }
  return { requestMs, headersMs };
}

/**
 * Bounds how long a client may hold a connection while sending its request, so clients
 * trickling a body or headers a byte at a time cannot tie up connections for minutes. Past
 * either timeout Node answers 408 and closes the connection. Call before listen.
 */
export function applyServerTimeouts(server: Server, timeouts: HttpServerTimeouts): void {
  server.requestTimeout = timeouts.requestMs;
  server.headersTimeout = timeouts.headersMs;
  // Node checks both timeouts only every connectionsCheckingInterval (30 s unless set), which
  // it reads when the server starts listening; @types/node lacks the property.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(1_000, timeouts.headersMs);
}
