import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  HttpCode,
  NestInterceptor,
  Type,
  UseInterceptors,
} from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { map, Observable } from 'rxjs';

/** The path of the resource a request created or started, from its result and path params. */
export type LocationOf<Result> = (
  result: Result,
  params: Readonly<Record<string, string | undefined>>,
) => string;

/** The path parameters that are one segment (Express gives wildcards as arrays). */
const segmentsOf = (params: Request['params']): Record<string, string> =>
  Object.fromEntries(
    Object.entries(params).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );

/**
 * Sets Location once the handler has answered. Method-scoped, so it runs inside the global
 * idempotency interceptor, which records the header with the body and repeats it on replays.
 */
class LocationInterceptor<Result> implements NestInterceptor<Result, Result> {
  constructor(private readonly locate: LocationOf<Result>) {}

  intercept(context: ExecutionContext, next: CallHandler<Result>): Observable<Result> {
    const http = context.switchToHttp();
    const params = segmentsOf(http.getRequest<Request>().params);
    const response = http.getResponse<Response>();
    return next.handle().pipe(
      map((result) => {
        response.setHeader('Location', this.locate(result, params));
        return result;
      }),
    );
  }
}

export interface CreatesOptions<Result> {
  /** 201: the resource exists now; 202: it was accepted and completes asynchronously. */
  readonly status: 201 | 202;
  readonly type?: Type<unknown>;
  readonly description: string;
  readonly location: LocationOf<Result>;
  /** What Location points to, and an example. */
  readonly locationDescription: string;
  readonly locationExample: string;
}

/**
 * A route that creates (201) or accepts (202) something: its status, a Location header
 * pointing to it (behaviour and documentation from one declaration) and the response body.
 */
export function Creates<Result>(options: CreatesOptions<Result>): MethodDecorator {
  return applyDecorators(
    HttpCode(options.status),
    UseInterceptors(new LocationInterceptor(options.location)),
    ApiResponse({
      status: options.status,
      description: options.description,
      ...(options.type ? { type: options.type } : {}),
      headers: {
        Location: {
          description: options.locationDescription,
          required: true,
          schema: { type: 'string', format: 'uri-reference', example: options.locationExample },
        },
      },
    }),
  );
}
