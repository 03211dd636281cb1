import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  JWTPayload,
  JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { ApiError } from '../common/errors/api-error';
import { AuthSettings } from './auth-settings';
import { localIssuerKey } from './local-issuer-key';
import { Principal } from './principal';
import { isRole, Role } from './roles';

/** Only asymmetric algorithms: `none` and HS* (a public key used as an HMAC secret) never pass. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A token that does not prove who the caller is (401). */
export class InvalidTokenError extends ApiError {
  constructor(detail: string) {
    super('UNAUTHENTICATED', detail);
  }
}

/**
 * Verifies bearer tokens against the issuer's JWKS (jose fetches, caches and, on an unknown
 * `kid`, refetches it: key rotation) or against the local development issuer's key, and
 * turns the claims into a Principal.
 */
export class TokenVerifier {
  private constructor(
    private readonly settings: AuthSettings,
    private readonly keys: JWTVerifyGetKey,
  ) {}

  static async create(settings: AuthSettings): Promise<TokenVerifier> {
    if (settings.jwksUrl) {
      return new TokenVerifier(settings, createRemoteJWKSet(new URL(settings.jwksUrl)));
    }
    const key = await localIssuerKey(settings.localKeyFile);
    return new TokenVerifier(settings, createLocalJWKSet({ keys: [key.publicJwk] }));
  }

  /**
   * @throws InvalidTokenError (401) for anything wrong with the token;
   *   ApiError AUTH_ISSUER_UNAVAILABLE (503) when the issuer's keys cannot be fetched
   */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw verificationFailure(error);
    }
    return this.principalOf(payload);
  }

  private principalOf(payload: JWTPayload): Principal {
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255)
      throw new InvalidTokenError('the token has no usable sub claim');
    const roles = new Set<Role>(rolesAt(payload, this.settings.rolesClaim).filter(isRole));
    const customerClaim = payload.customer_id;
    if (!roles.has('customer')) return { subject, roles };
    if (typeof customerClaim !== 'string' || !UUID.test(customerClaim))
      throw new InvalidTokenError('a token with the customer role needs a customer_id (a uuid)');
    return { subject, roles, customerId: customerClaim.toLowerCase() };
  }
}

function rolesAt(payload: JWTPayload, path: string): string[] {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
    value = (value as Record<string, unknown>)[part];
  }
  return Array.isArray(value)
    ? value.filter((role): role is string => typeof role === 'string')
    : [];
}

function verificationFailure(error: unknown): ApiError {
  // A bare JOSEError is jose's "the JWKS endpoint did not answer 200"; a non-JOSE error is a
  // network failure while fetching it.
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError) ||
    error.constructor === errors.JOSEError
  ) {
    // Not the caller's fault: the issuer's keys could not be fetched (or something unforeseen).
    return new ApiError('AUTH_ISSUER_UNAVAILABLE', "the token issuer's keys cannot be fetched now");
  }
  if (error instanceof errors.JWTExpired) return new InvalidTokenError('the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed)
    return new InvalidTokenError(`the token's ${error.claim} claim is not acceptable`);
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new InvalidTokenError('the token is signed with an algorithm this service refuses');
  if (error instanceof errors.JWKSNoMatchingKey)
    return new InvalidTokenError("the token is signed with a key the issuer's JWKS does not hold");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new InvalidTokenError('the token signature is not valid');
  return new InvalidTokenError('the token is not a valid signed JWT');
}
