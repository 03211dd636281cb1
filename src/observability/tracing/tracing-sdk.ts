import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_DB_QUERY_TEXT } from '@opentelemetry/semantic-conventions';
import { redactQueryText } from './query-text';
import { TracingSettings } from './tracing-settings';

/**
 * Starts the OpenTelemetry SDK: traces only, over OTLP http/protobuf, with the amqplib
 * instrumentation, and the pg one when database query spans are asked for. Server spans are the app's own (serverSpans, mounted first in the app),
 * not the http and Express instrumentations': those wrap every request's event emitters and
 * every Express layer, and cost a deposit about a third of its CPU for the same span.
 * Loaded only when tracing is on (start-tracing.ts), and before the instrumented modules are
 * first required, which is when they are patched.
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
      ...(settings.databaseQueries
        ? [
            // Only inside a traced request or job: the background loops poll the database
            // every second or so, and a root span per poll would bury everything else. No span
            // for taking a pooled connection: it is almost always there, and the query's span
            // shows any wait.
            new PgInstrumentation({
              requireParentSpan: true,
              ignoreConnectSpans: true,
              // The append's values travel inside its text: keep the statement, not them.
              requestHook: (span, { query }) => {
                if (query.text.includes('$'))
                  span.setAttribute(ATTR_DB_QUERY_TEXT, redactQueryText(query.text));
              },
            }),
          ]
        : []),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}
