import { SignJWT } from 'jose';
import { LocalIssuerKey } from './local-issuer-key';
import { Role } from './roles';

/** What a locally issued token says. */
export interface LocalTokenClaims {
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly customerId?: string;
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
}

/** Signs a token with the local development issuer's key (ES256), as an OIDC issuer would. */
export function signLocalToken(
  key: LocalIssuerKey,
  settings: { issuer: string; audience: string; rolesClaim: string },
  claims: LocalTokenClaims,
): Promise<string> {
  const payload: Record<string, unknown> = {};
  setPath(payload, settings.rolesClaim.split('.'), [...claims.roles]);
  if (claims.customerId) payload.customer_id = claims.customerId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setSubject(claims.subject)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds}s`)
    .sign(key.privateKey);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child: Record<string, unknown> = {};
  target[head] = child;
  setPath(child, rest, value);
}
