import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { TracingSettings } from './tracing-settings';

// Probes and scrapes arrive every few seconds and say nothing about a request's path.
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * What the server span must not carry, as the logs do not: query values (searches put names
 * and emails there; the parameter names stay), the client's address and its headers (the user
 * agent). An attribute set to undefined here replaces the instrumentation's and is dropped.
 */
function withoutPersonalData(request: IncomingMessage): Attributes {
  const query = request.url?.split('?')[1];
  const names = query ? [...new Set(new URLSearchParams(query).keys())] : [];
  return {
    'url.query': names.length > 0 ? names.map((name) => `${name}=REDACTED`).join('&') : undefined,
    'client.address': undefined,
    'network.peer.address': undefined,
    'network.peer.port': undefined,
    'user_agent.original': undefined,
  };
}

/**
 * Starts the OpenTelemetry SDK: traces only, over OTLP http/protobuf, with the HTTP server,
 * Express, pg and amqplib instrumentations. Loaded only when tracing is on (start-tracing.ts),
 * and before the instrumented modules are first required, which is when they are patched.
 * @returns what stops it, flushing the spans still buffered.
 */
export function startTracingSdk(settings: TracingSettings): () => Promise<void> {
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    // Endpoint, headers, timeout and compression come from the OTEL_EXPORTER_OTLP_* variables.
    traceExporter: new OTLPTraceExporter(),
    // Traces only: without these the SDK would also start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.test(request.url ?? ''),
        startIncomingSpanHook: withoutPersonalData,
      }),
      // Route and handler spans; one span per middleware (helmet, body parser, …) is noise.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Only inside a traced request or job: the background loops poll the database every
      // second or so, and a root span per poll would bury everything else.
      new PgInstrumentation({ requireParentSpan: true }),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}
