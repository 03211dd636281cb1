import { context, createContextKey } from '@opentelemetry/api';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

const REQUEST_LOGGER = createContextKey('ledgerline.request-logger');

/** The request's logger as stored in the async context (a class, so reading it is checked). */
class RequestLogger {
  constructor(readonly logger: Pino) {}
}

/** Runs `work` with `logger` (bound to a request's ids) as the one Nest's `Logger` writes to. */
export function withRequestLogger<T>(logger: Pino, work: () => T): T {
  return context.with(context.active().setValue(REQUEST_LOGGER, new RequestLogger(logger)), work);
}

function currentRequestLogger(): Pino | undefined {
  const value = context.active().getValue(REQUEST_LOGGER);
  return value instanceof RequestLogger ? value.logger : undefined;
}

/**
 * nestjs-pino's logger, finding the request's logger in the app's async context
 * (async-context.ts) instead of in an AsyncLocalStorage of its own: outside a request, the
 * root logger, as before.
 */
export class ContextPinoLogger extends PinoLogger {
  override get logger(): Pino {
    return currentRequestLogger() ?? super.logger;
  }
}
