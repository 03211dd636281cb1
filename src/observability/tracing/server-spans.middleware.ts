import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, Response } from 'express';
import { matchedRoute } from '../../common/http/matched-route';
import { ledgerlineTracer } from './tracer';

// Probes and scrapes arrive every few seconds and say nothing about a request's path.
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;
// A span carries the path, not a client's whole URL.
const MAX_PATH_LENGTH = 200;

/**
 * Query values are left out (searches put names and emails there); the parameter names stay.
 */
function redactedQuery(query: string | undefined): string | undefined {
  if (!query) return undefined;
  const names = [...new Set(new URLSearchParams(query).keys())];
  return names.length > 0 ? names.map((name) => `${name}=REDACTED`).join('&') : undefined;
}

/**
 * Opens the server span of each request (HTTP semantic conventions, stable names), continuing
 * the caller's W3C `traceparent`, and runs the rest of the request in its context: the spans
 * and trace context of everything the request causes hang off it. Named after the route
 * pattern once Express has matched one (`POST /accounts/:id/deposits`, `http.route`), never
 * after a URL with its ids. No client address, user agent or other header is recorded.
 *
 * Instead of `@opentelemetry/instrumentation-http`: that instrumentation computes its
 * attributes and binds the request's and response's event emitters to the context on every
 * request, sampled or not, which cost a deposit about a sixth of its CPU; this costs a few µs.
 * The body parser needs no binding: it calls on in the context it was called in (raw-body
 * binds its callback to it), however late the body's last piece arrives.
 * Without an SDK every call here is the API's no-op.
 */
export function serverSpans(request: Request, response: Response, next: NextFunction): void {
  const target = request.originalUrl ?? request.url;
  if (UNTRACED_PATHS.test(target)) {
    next();
    return;
  }
  const [path, query] = target.split('?', 2);
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = ledgerlineTracer.startSpan(
    request.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_PATH]: path.slice(0, MAX_PATH_LENGTH),
        [ATTR_URL_QUERY]: redactedQuery(query),
        [ATTR_URL_SCHEME]: request.protocol,
        [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
      },
    },
    parent,
  );
  response.once('close', () => {
    const route = matchedRoute(request);
    if (route !== undefined) {
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.updateName(`${request.method} ${route}`);
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
    // Server spans are errors for 5xx only: a 4xx is the client's, answered as designed.
    if (response.statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(response.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    } else if (!response.writableFinished) {
      // The connection closed before the whole answer was sent.
      span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    }
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}
