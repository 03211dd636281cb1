import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger as PinoNestLogger, Params } from 'nestjs-pino';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';
import pretty from 'pino-pretty';
import { accessLevel, accessLine, accessMessage, startClock } from './access-log';
import { ensureAsyncContext } from '../async-context';
import { LoggingSettings } from './log-settings';
import { redactPersonalData } from './redaction';
import { assignRequestIds, requestIdsOf } from './request-ids';
import { ContextPinoLogger, withRequestLogger } from './request-logger';

/** The process's structured logger, made by `startLogging`. */
export interface AppLogging {
  readonly root: Pino;
  /** What Nest's `Logger` writes to (the app's `useLogger`): the request's logger in one. */
  readonly nestLogger: PinoNestLogger;
}

const prettyOutput = (settings: LoggingSettings): boolean =>
  settings.format === 'pretty' || (settings.format === 'auto' && process.stdout.isTTY === true);

/**
 * Synchronous writes: the last lines before an exit (a failed start, "stopped") are never
 * lost in a buffer.
 */
function destinationFor(settings: LoggingSettings): DestinationStream {
  if (!prettyOutput(settings)) return pino.destination({ dest: 1, sync: true });
  return pretty({
    sync: true,
    singleLine: true,
    colorize: pretty.isColorSupported,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}

/**
 * nestjs-pino's Nest logger on this app's pino, without its module: the module's middleware
 * would bind each request's logger in an AsyncLocalStorage of its own. `requestLogging` makes
 * the request logger (ahead of every other middleware, so requests refused there are logged
 * too) and binds it in the app's async context, where ContextPinoLogger finds it.
 */
const nestLoggerOn = (root: Pino): PinoNestLogger => {
  const params: Params = { pinoHttp: { logger: root }, useExisting: true };
  return new PinoNestLogger(new ContextPinoLogger(params), params);
};

/**
 * Creates the JSON (or, on a terminal, human-readable) logger and routes Nest's `Logger` to it
 * at once, so the lines printed before the app exists are structured too. `destination`
 * replaces stdout (for a test that reads the lines in process).
 *
 * nestjs-pino keeps one root logger per process, the first one made: a second app in the same
 * process (tests) writes its access lines and request logs to its own logger, its background
 * logs to the first one's.
 */
export function startLogging(
  settings: LoggingSettings,
  destination?: DestinationStream,
): AppLogging {
  const root = pino(
    {
      level: settings.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"info" rather than 30: log shippers and people read it without a table.
      formatters: { level: (label) => ({ level: label }), log: redactPersonalData },
    },
    destination ?? destinationFor(settings),
  );
  ensureAsyncContext();
  const logging: AppLogging = { root, nestLogger: nestLoggerOn(root) };
  Logger.overrideLogger(logging.nestLogger);
  return logging;
}

const omitted = (): undefined => undefined;

/**
 * The first middleware: gives the request its ids (echoed as X-Request-Id and
 * X-Correlation-Id), writes one access line when the response is finished or aborted, and
 * makes the logger bound to the ids the one Nest's `Logger` uses while the request runs.
 * Never refuses a request.
 */
export function requestLogging(logging: AppLogging): RequestHandler {
  const httpLogger = pinoHttp<Request, Response>({
    logger: logging.root,
    genReqId: (request) => requestIdsOf(request)?.requestId ?? randomUUID(),
    customAttributeKeys: { reqId: 'requestId' },
    // Only the request id is bound; the request object itself (headers, address) is never
    // logged.
    quietReqLogger: true,
    quietResLogger: true,
    // pino-http binds the whole request to a second child logger on every request, even with
    // the quiet options, and serialises it there; that logger is never written to, so its
    // request and response serialise to nothing.
    wrapSerializers: false,
    serializers: { req: omitted, res: omitted },
    customLogLevel: accessLevel,
    customSuccessMessage: accessMessage,
    customErrorMessage: accessMessage,
    customSuccessObject: accessLine,
    customErrorObject: accessLine,
  });
  return (request: Request, response: Response, next: NextFunction) => {
    const { correlationId } = assignRequestIds(request, response);
    startClock(response);
    httpLogger(request, response, () => {
      request.log = request.log.child({ correlationId });
      withRequestLogger(request.log, next);
    });
  };
}
