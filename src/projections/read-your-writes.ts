import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { ApiError } from '../common/errors/api-error';
import { ReadModelBehindError } from './projection.errors';
import { ProjectionsService } from './projections.service';

const READS_PROJECTION = 'ledgerline:reads-projection';
const MAX_POSITION = 2n ** 63n - 1n;

/**
 * Marks a route as answering from a projection's read model, so a request may send
 * `X-Min-Position: <position from a command response>` and get an answer that includes it.
 */
export function ReadsProjection(name: string): MethodDecorator {
  return applyDecorators(
    SetMetadata(READS_PROJECTION, name),
    ApiHeader({
      name: 'X-Min-Position',
      required: false,
      description: `Wait (bounded) until the ${name} read model includes this position; 503 READ_MODEL_BEHIND with Retry-After otherwise`,
    }),
  );
}

/** Parses X-Min-Position: a decimal bigint position, as command responses send it. */
export function parseMinPosition(header: string | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  const value = /^\d{1,19}$/.test(header.trim()) ? BigInt(header.trim()) : -1n;
  if (value < 1n || value > MAX_POSITION) {
    throw new ApiError(
      'INVALID_MIN_POSITION',
      'X-Min-Position must be a position from a command response (a positive integer)',
    );
  }
  return value;
}

/** Holds a read back until its projection has processed the client's own write. */
@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly projections: ProjectionsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const projection = this.reflector.get<string | undefined>(
      READS_PROJECTION,
      context.getHandler(),
    );
    if (!projection) return next.handle();
    const position = parseMinPosition(
      context.switchToHttp().getRequest<Request>().header('x-min-position'),
    );
    if (position === undefined) return next.handle();
    return from(this.projections.waitUntilProcessed(projection, position)).pipe(
      switchMap((processed) => {
        if (!processed) throw new ReadModelBehindError(projection, position);
        return next.handle();
      }),
    );
  }
}
