import {
  Context,
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanContext,
  trace,
} from '@opentelemetry/api';

// Version 00 of the W3C header: version-traceid-parentid-flags, lower-case hex.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The W3C `traceparent` of a span context, or undefined for an invalid one (the no-op
 * tracer's). Written by hand rather than through the configured propagator: what is stored
 * in events and rows must stay W3C whatever `OTEL_PROPAGATORS` says.
 */
export function formatTraceparent(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The remote span context a stored `traceparent` names, or undefined if it is not one. */
export function parseTraceparent(traceparent: string | undefined): SpanContext | undefined {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * The `traceparent` of the span active now: the HTTP request's (or the process command's)
 * when tracing is on. Without an SDK there is no active span and this costs one lookup.
 */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  return span === undefined ? undefined : formatTraceparent(span.spanContext());
}

/**
 * A context whose parent is the stored `traceparent`; the root context when there is none,
 * so background work never inherits whatever happened to be active.
 */
export function contextOfTraceparent(traceparent: string | undefined): Context {
  const spanContext = parseTraceparent(traceparent);
  return spanContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/**
 * Runs `work` with the stored `traceparent` as the active context, so spans that libraries
 * start inside it (the amqplib instrumentation's publish span) join that trace.
 */
export function withTraceparent<T>(traceparent: string | undefined, work: () => T): T {
  if (traceparent === undefined) return work();
  return context.with(contextOfTraceparent(traceparent), work);
}
