import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { ApiError } from '../common/errors/api-error';
import { ACCESS_POLICY, AccessPolicy } from './access-policy.decorator';
import { scopeOnRoute } from './principal';
import { RateLimitGuard } from './rate-limit.guard';
import { Authentication, rememberAuthentication } from './request-principal';
import { TokenVerifier } from './token-verifier';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const REALM = 'Bearer realm="ledgerline"';

/**
 * The one gate every request passes, in a fixed order: authenticate (bearer token), rate
 * limit (per principal, or per address when the token is missing or bad), then authorise
 * (the route's declared policy). A route that declares no policy is refused: secure by
 * default.
 */
@Injectable()
export class SecurityGuard implements CanActivate {
  private readonly logger = new Logger('Security');
  private lastRateLimitFailure = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly rateLimit: RateLimitGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Only HTTP has callers to authenticate; the app serves no other transport.
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) {
      this.logger.error(`${request.method} ${request.path} declares no access policy`);
      throw new ApiError(
        'FORBIDDEN',
        'this route declares no access policy, so nobody may call it',
      );
    }
    if (policy.kind === 'public') return true;
    const authentication = await this.authenticate(request);
    rememberAuthentication(request, authentication);
    await this.limitRate(context);
    if (authentication.state === 'anonymous') {
      response.setHeader('WWW-Authenticate', REALM);
      throw new ApiError('UNAUTHENTICATED', 'this route needs an Authorization: Bearer token');
    }
    if (authentication.state === 'refused') {
      if (authentication.error.code === 'UNAUTHENTICATED') {
        response.setHeader(
          'WWW-Authenticate',
          authentication.otherScheme
            ? REALM
            : `${REALM}, error="invalid_token", error_description="${authentication.error.detail.replace(/["\\]/g, "'")}"`,
        );
      }
      throw authentication.error;
    }
    const { principal } = authentication;
    if (!policy.roles.some((role) => principal.roles.has(role))) {
      throw new ApiError(
        'FORBIDDEN',
        `this route needs one of the roles ${policy.roles.join(', ')}`,
      );
    }
    const scope = scopeOnRoute(principal, policy.roles);
    // A route for customer data needs a scope: an admin-only token never gets one.
    if (!policy.roles.includes('admin') && scope === undefined)
      throw new ApiError('FORBIDDEN', 'this token may not act on customer data');
    rememberAuthentication(request, { ...authentication, scope });
    return true;
  }

  private async authenticate(request: Request): Promise<Authentication> {
    // Tokens in URLs end up in logs, proxies and browser history (RFC 6750 section 5.3).
    if (request.query && typeof request.query === 'object' && 'access_token' in request.query) {
      return {
        state: 'refused',
        error: new ApiError(
          'UNAUTHENTICATED',
          'tokens in the query string are refused; send an Authorization header',
        ),
      };
    }
    const header = request.headers.authorization;
    if (header === undefined) return { state: 'anonymous' };
    const match = BEARER.exec(header);
    if (!match) {
      return {
        state: 'refused',
        error: new ApiError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"'),
        otherScheme: !/^bearer(\s|$)/i.test(header),
      };
    }
    try {
      return { state: 'authenticated', principal: await this.verifier.verify(match[1]) };
    } catch (error) {
      if (error instanceof ApiError) return { state: 'refused', error };
      throw error;
    }
  }

  /** A broken limiter store (Redis down) must not stop the bank: let the request through. */
  private async limitRate(context: ExecutionContext): Promise<void> {
    try {
      await this.rateLimit.canActivate(context);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const now = Date.now();
      if (now - this.lastRateLimitFailure > 10_000) {
        this.lastRateLimitFailure = now;
        this.logger.warn(`rate limiting is failing open: ${String(error)}`);
      }
    }
  }
}
