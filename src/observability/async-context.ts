import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/*
 * The app's one async context: OpenTelemetry's. A request's trace context and its logger
 * ride in it side by side, so a traced, logged request pays for one AsyncLocalStorage. On
 * Node 20 every enabled AsyncLocalStorage costs every promise a hook's copy of its store, and
 * a deposit makes a few thousand promises: a second store (nestjs-pino's own) cost it about
 * 5 % of its CPU.
 */

const PROBE = createContextKey('ledgerline.async-context-probe');

/** Whether a context manager is registered: a value set with `context.with` is seen inside. */
const propagates = (): boolean =>
  context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);

/**
 * Registers OpenTelemetry's AsyncLocalStorage context manager unless one is registered
 * already (the tracing SDK's, when tracing is on). Called before the first request; calling
 * it again does nothing.
 */
export function ensureAsyncContext(): void {
  if (propagates()) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
