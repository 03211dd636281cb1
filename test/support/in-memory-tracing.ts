import { context, propagation, trace } from '@opentelemetry/api';
import { Server } from 'node:http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  InMemorySpanExporter,
  ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * An OpenTelemetry SDK inside the Jest process, keeping every finished span in memory.
 * Import it before anything that loads the app: the provider (with its AsyncLocalStorage
 * context manager and W3C propagator) must be registered before the app asks for a tracer.
 * Jest loads modules through its own registry, past the require hook the instrumentations
 * patch with, so Express, pg and amqplib stay unpatched here (the built app's test covers
 * them) and node:http's server is patched by hand: its prototype is the one the app's server
 * uses, so each request gets its server span and the app's own spans nest under it.
 */
export const spanExporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
});
provider.register();
// Server side only: tests send their own `traceparent`, which an instrumented client would
// replace with one of its own. Only Server.prototype.emit is wrapped then.
const http = new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true });
const httpModule = { Server };
const httpDefinition = http.getModuleDefinitions().find((definition) => definition.name === 'http');
if (!httpDefinition?.patch || !httpDefinition.unpatch)
  throw new Error('the HTTP instrumentation has no patch for node:http');
httpDefinition.patch(httpModule);

export const finishedSpans = (): ReadableSpan[] => spanExporter.getFinishedSpans();

/** Unpatches node:http and unregisters the SDK, so later test files in this worker see none. */
export async function stopInMemoryTracing(): Promise<void> {
  httpDefinition?.unpatch?.(httpModule);
  http.disable();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}
