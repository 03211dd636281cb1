import { Request, Response } from 'express';
import { LevelWithSilent } from 'pino';
import { principalOf } from '../../auth/request-principal';
import { matchedRoute } from '../../common/http/matched-route';
import { requestIdsOf } from './request-ids';

/** Probes and API docs: a success there is routine, logged at debug only. */
const ROUTINE = /^\/(?:health|docs)(?:[/-]|$)/;
const MAX_PATH_LENGTH = 200;

// Set when the request enters the logging middleware; hrtime, so short requests show
// fractions of a millisecond.
const started = new WeakMap<Response, bigint>();

export const startClock = (response: Response): void => {
  started.set(response, process.hrtime.bigint());
};

/**
 * The path without its query string: query strings carry search terms (a customer's name or
 * email prefix) and cursors, which no log line may hold.
 */
export function pathOf(request: Request): string {
  return (request.originalUrl ?? request.url).split('?', 1)[0].slice(0, MAX_PATH_LENGTH);
}

/** Where a request went, for a log line: the route pattern, or the bare path if none matched. */
export const loggedPath = (request: Request): string => matchedRoute(request) ?? pathOf(request);

/** The fields of an access line (the request id is bound to the logger that writes it). */
export interface AccessLine {
  readonly method: string;
  /** Null when no route matched; `path` then says what was asked for. */
  readonly route: string | null;
  readonly path?: string;
  readonly status: number;
  readonly durationMs: number;
  readonly correlationId?: string;
  /** The `sub` claim of the request's bearer token, when it was accepted. */
  readonly sub?: string;
  /** The client went away before the response was complete. */
  readonly aborted?: true;
}

// pino-http asks for the fields and the message separately: both read one measurement.
const lines = new WeakMap<Response, AccessLine>();

/** The access line of a finished (or aborted) request, measured on the first call. */
export function accessLine(request: Request, response: Response): AccessLine {
  const known = lines.get(response);
  if (known) return known;
  const line = measure(request, response);
  lines.set(response, line);
  return line;
}

function measure(request: Request, response: Response): AccessLine {
  const route = matchedRoute(request);
  const start = started.get(response);
  const durationMs =
    start === undefined ? 0 : Math.round(Number(process.hrtime.bigint() - start) / 10_000) / 100;
  return {
    method: request.method,
    route: route ?? null,
    ...(route === undefined ? { path: pathOf(request) } : {}),
    status: response.statusCode,
    durationMs,
    correlationId: requestIdsOf(request)?.correlationId,
    sub: principalOf(request)?.subject,
    ...(response.writableEnded ? {} : { aborted: true as const }),
  };
}

export function accessMessage(request: Request, response: Response): string {
  const line = accessLine(request, response);
  const outcome = line.aborted ? 'aborted' : String(line.status);
  return `${line.method} ${line.route ?? line.path} ${outcome} ${line.durationMs} ms`;
}

/**
 * 500 (a bug, logged with its stack by the problem filter) at error; other 5xx (the database
 * away, a read model behind: transient, and answered with Retry-After) at warn; routine
 * successes at debug; everything else, 4xx included, at info.
 */
export function accessLevel(request: Request, response: Response, error?: Error): LevelWithSilent {
  if (error || response.statusCode === 500) return 'error';
  if (response.statusCode > 500) return 'warn';
  if (response.statusCode < 400 && ROUTINE.test(pathOf(request))) return 'debug';
  return 'info';
}
