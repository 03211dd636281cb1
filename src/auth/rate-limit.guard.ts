import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { Request, Response } from 'express';
import { ApiError } from '../common/errors/api-error';
import { principalOf } from './request-principal';

/**
 * @nestjs/throttler, counted per principal (per client address when unauthenticated, so
 * failed logins are limited too), answered as 429 problem+json with a plain Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = principalOf(request as unknown as Request);
    const address = (request as unknown as Request).ip ?? 'unknown';
    return Promise.resolve(principal ? `sub:${principal.subject}` : `ip:${address}`);
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    throw new ApiError(
      'RATE_LIMITED',
      `more than ${detail.limit} requests of this kind in ${detail.ttl / 1000} s; retry after ${seconds} s`,
    );
  }
}
