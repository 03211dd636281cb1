import {
  DynamicModule,
  ExecutionContext,
  Inject,
  Logger,
  Module,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { isWriteMethod } from '../common/http/write-methods';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Request } from 'express';
import Redis from 'ioredis';
import { AUTH_SETTINGS, RATE_LIMIT_REDIS } from './auth.tokens';
import { AuthSettings } from './auth-settings';
import { LocalIssuerController } from './local-issuer.controller';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitSettings } from './rate-limit-settings';
import { SecurityGuard } from './security.guard';
import { TokenVerifier } from './token-verifier';

const WINDOW_MS = 60_000;
const REDIS_READY_WAIT_MS = 5_000;

/** Waits (briefly) for the first connection, so start-up does not open with the limiter off. */
async function ready(redis: Redis): Promise<Redis> {
  const logger = new Logger('RateLimit');
  let lastError = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastError < 10_000) return;
    lastError = Date.now();
    logger.warn(`Redis for rate limits: ${error.message}`);
  });
  if (redis.status === 'ready') return redis;
  const connected = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), REDIS_READY_WAIT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!(await connected))
    logger.warn(`Redis not ready after ${REDIS_READY_WAIT_MS} ms; rate limits fail open meanwhile`);
  return redis;
}

/**
 * Authentication (bearer JWTs), rate limiting and route policies for the whole app, through
 * one global guard. Without AUTH_JWKS_URL the local development issuer serves its JWKS.
 */
@Module({})
export class AuthModule implements OnApplicationShutdown {
  constructor(@Optional() @Inject(RATE_LIMIT_REDIS) private readonly redis?: Redis) {}

  static forRoot(settings: AuthSettings, rateLimits: RateLimitSettings): DynamicModule {
    // Fail fast rather than queue: a limiter that cannot reach Redis lets requests through.
    const redis = rateLimits.redisUrl
      ? new Redis(rateLimits.redisUrl, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 2_000,
          // A Redis that stays connected but stops answering must not hold requests either.
          commandTimeout: 500,
          lazyConnect: false,
        })
      : undefined;
    return {
      module: AuthModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [
            { name: 'requests', ttl: WINDOW_MS, limit: rateLimits.requestsPerMinute },
            {
              name: 'writes',
              ttl: WINDOW_MS,
              limit: rateLimits.writesPerMinute,
              // Reads do not count against this limit.
              skipIf: (context: ExecutionContext) =>
                !isWriteMethod(context.switchToHttp().getRequest<Request>().method),
            },
          ],
          // Per principal across all routes (the default key is per route).
          generateKey: (_context, tracker, name) => `ledgerline:rate:${name}:${tracker}`,
          storage: redis ? new ThrottlerStorageRedisService(redis) : undefined,
        }),
      ],
      controllers: settings.jwksUrl ? [] : [LocalIssuerController],
      providers: [
        { provide: AUTH_SETTINGS, useValue: settings },
        { provide: TokenVerifier, useFactory: () => TokenVerifier.create(settings) },
        ...(redis ? [{ provide: RATE_LIMIT_REDIS, useFactory: () => ready(redis) }] : []),
        RateLimitGuard,
        { provide: APP_GUARD, useClass: SecurityGuard },
      ],
      exports: [TokenVerifier],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
