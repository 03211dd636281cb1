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
import { InjectDataSource } from '@nestjs/typeorm';
import { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import { ApiProblems } from '../common/http/api-problems.decorator';
import { ReadModelBehindError } from './projection.errors';
import { ProjectionsService } from './projections.service';

const READS_PROJECTION = 'ledgerline:reads-projection';
const MAX_POSITION = 2n ** 63n - 1n;

/**
 * Whether the log holds position $1 or a later one. A position a command response sent is
 * committed, so visible here; a larger one no write has produced (yet), and waiting for it
 * would only end in READ_MODEL_BEHIND. The primary key answers max() from its last entry.
 */
const WITHIN_LOG_SQL = `SELECT COALESCE(max(global_position), 0) >= $1::bigint AS within FROM es_events`;

/**
 * Marks a route as answering from a projection's read model, so a request may send
 * `X-Min-Position: <position from a command response>` and get an answer that includes it.
 * Documents the header and the answers it can bring.
 */
export function ReadsProjection(name: string): MethodDecorator {
  return applyDecorators(
    SetMetadata(READS_PROJECTION, name),
    ApiHeader({
      name: 'X-Min-Position',
      required: false,
      description:
        `Wait (bounded) until the ${name} read model includes this position (the position of a ` +
        'command response); 503 READ_MODEL_BEHIND with Retry-After otherwise. A position the ' +
        'event log has not reached is 400 MIN_POSITION_AHEAD_OF_LOG at once.',
      schema: { type: 'string', pattern: '^[0-9]{1,19}$', example: '1042' },
    }),
    ApiProblems('INVALID_MIN_POSITION', 'MIN_POSITION_AHEAD_OF_LOG', 'READ_MODEL_BEHIND'),
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
    @InjectDataSource() private readonly dataSource: DataSource,
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
    return from(this.assertWithinLog(position)).pipe(
      switchMap(() => this.projections.waitUntilProcessed(projection, position)),
      switchMap((processed) => {
        if (!processed) throw new ReadModelBehindError(projection, position);
        return next.handle();
      }),
    );
  }

  private async assertWithinLog(position: bigint): Promise<void> {
    const [{ within }] = await this.dataSource.query<{ within: boolean }[]>(WITHIN_LOG_SQL, [
      position.toString(),
    ]);
    if (!within) {
      throw new ApiError(
        'MIN_POSITION_AHEAD_OF_LOG',
        `X-Min-Position ${position} is beyond the last position of the event log; send a position from a command response`,
      );
    }
  }
}
