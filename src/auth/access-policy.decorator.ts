import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ApiProblems } from '../common/http/api-problems.decorator';
import { Role } from './roles';

/** Who may call a route: anyone (no token), or a token holding one of `roles`. */
export type AccessPolicy =
  { readonly kind: 'public' } | { readonly kind: 'roles'; readonly roles: readonly Role[] };

export const ACCESS_POLICY = Symbol('access-policy');

/**
 * The route needs no token (health probes, API docs, the local issuer's JWKS). Every route
 * declares `@Public()` or `@Allow(...)`; one that declares neither is refused.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_POLICY, { kind: 'public' } satisfies AccessPolicy);

/**
 * The route needs a valid bearer token holding at least one of `roles`; other roles get 403.
 * Object-level checks (a customer's own data only) happen where the object is loaded.
 */
export function Allow(...roles: [Role, ...Role[]]): MethodDecorator {
  const policy: AccessPolicy = { kind: 'roles', roles };
  return applyDecorators(
    SetMetadata(ACCESS_POLICY, policy),
    ApiBearerAuth(),
    // The document's 403 names these roles (openapi-document.ts).
    ApiExtension('x-allowed-roles', roles),
    ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'AUTH_ISSUER_UNAVAILABLE'),
  );
}
