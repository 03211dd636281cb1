import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { ERROR_CATALOGUE, ErrorCode } from './error-catalogue';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';
// The route pattern, never the query string: searches put names and emails there.
import { loggedPath } from '../../observability/logging/access-log';

const retryAfterSeconds = (code: ErrorCode): number | undefined => {
  const entry = ERROR_CATALOGUE[code];
  return 'retryAfterSeconds' in entry ? entry.retryAfterSeconds : undefined;
};

/** The one place errors become HTTP responses: RFC 9457 `application/problem+json`. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  private readonly logged = new Map<ErrorCode, { at: number; suppressed: number }>();

  /** @returns how many were left out since the last line, or undefined to leave this one out */
  private throttle(code: ErrorCode): number | undefined {
    const now = Date.now();
    const last = this.logged.get(code);
    if (last && now - last.at < 1_000) {
      last.suppressed++;
      return undefined;
    }
    this.logged.set(code, { at: now, suppressed: 0 });
    return last?.suppressed ?? 0;
  }

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = { ...toProblem(error), instance: request.originalUrl };
    if (body.code === 'INTERNAL_ERROR') {
      this.logger.error(
        `${request.method} ${loggedPath(request)}`,
        error instanceof Error ? error.stack : String(error),
      );
    } else if (body.status >= 500) {
      // A known, transient outcome (read model behind, database down): one line, no stack,
      // and at most one a second per code, or an outage floods the log with thousands.
      const suppressed = this.throttle(body.code);
      if (suppressed !== undefined) {
        const more = suppressed > 0 ? ` (and ${suppressed} more in the last second)` : '';
        this.logger.warn(
          `${request.method} ${loggedPath(request)}: ${body.code} ${body.detail}${more}`,
        );
      }
    }
    if (response.headersSent) return;
    const retryAfter = retryAfterSeconds(body.code);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }
}
