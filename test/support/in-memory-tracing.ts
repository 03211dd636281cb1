import { context, propagation, trace } from '@opentelemetry/api';
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
 * The app opens its server spans itself, so each request gets one here too. Jest loads
 * modules through its own registry, past the require hook the instrumentations patch with,
 * so pg and amqplib stay unpatched here (the built app's test covers them).
 */
export const spanExporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
});
provider.register();

export const finishedSpans = (): ReadableSpan[] => spanExporter.getFinishedSpans();

/** Unregisters the SDK, so later test files in this worker see none. */
export async function stopInMemoryTracing(): Promise<void> {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}
