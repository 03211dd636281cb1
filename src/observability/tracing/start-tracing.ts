import { tracingSettings } from './tracing-settings';

/*
 * Import this module before anything else (src/main.ts does, on its first line), or preload
 * it with `node --require ./dist/src/observability/tracing/start-tracing.js`: the
 * instrumentations patch http, express, pg and amqplib when they are first required, so the
 * SDK must be running by then. Importing it twice starts nothing twice (modules load once).
 */

const settings = tracingSettings(process.env);

// The SDK and its exporters are loaded only when tracing is on: off, the app pays neither
// their start-up nor their memory, and every span it asks for is the API's no-op.
const stop: (() => Promise<void>) | undefined = settings.enabled
  ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous and conditional: an import statement cannot be either, and a dynamic import() would start the SDK after the instrumented modules were loaded
    (require('./tracing-sdk') as typeof import('./tracing-sdk')).startTracingSdk(settings)
  : undefined;

// Longest wait for the last spans on shutdown: a collector that is down must not hold it up.
const FLUSH_TIMEOUT_MS = 5_000;

/** Flushes and stops the SDK, if tracing is on; never rejects, and gives up after 5 s. */
export async function shutdownTracing(): Promise<void> {
  if (!stop) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stop().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The start-up line: where traces go, or how to turn them on. Logged by main.ts once its
 * logger is set up (this module runs before there is one).
 */
export function tracingSummary(): string {
  if (!settings.enabled)
    return 'traces: off; set OTEL_EXPORTER_OTLP_ENDPOINT to export them over OTLP';
  const service = settings.serviceName ? `, service.name ${settings.serviceName}` : '';
  const queries = settings.databaseQueries
    ? ', database query spans on'
    : ', database query spans off (TRACE_DATABASE_QUERIES=on for them)';
  return `traces: OTLP (http/protobuf) to ${originOf(settings.endpoint)}${service}${queries}`;
}

/** The endpoint's origin only: a URL may carry credentials, a log line must not. */
function originOf(endpoint: string | undefined): string {
  try {
    return new URL(endpoint ?? '').origin;
  } catch {
    return 'an unparsable endpoint (the exporter reports it)';
  }
}
