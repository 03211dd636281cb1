import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  JWTPayload,
  JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';
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

/** A token verified before: who it names, until when it may pass, and the key it was signed with. */
interface VerifiedToken {
  readonly principal: Principal;
  /** exp plus the clock tolerance, in ms: from then on the token is refused as expired. */
  readonly validUntilMs: number;
  readonly kid: string;
}

/** Whether the key `kid` is still among the issuer's (undefined: the key set never changes). */
type KeyStillServed = (kid: string) => boolean;

/**
 * Verifies bearer tokens against the issuer's JWKS (jose fetches, caches and, on an unknown
 * `kid`, refetches it: key rotation) or against the local development issuer's key, and
 * turns the claims into a Principal.
 *
 * A token that passed is remembered by its exact text for a short while (`tokenCacheSeconds`,
 * at most `tokenCacheEntries` tokens, the least recently used dropped first), so a client that
 * sends the same token on every request pays the signature check (about 175 µs of CPU) once
 * per period instead of per request. A remembered token still passes only while it has not
 * expired (the same tolerance) and while the key that signed it is still in the issuer's key
 * set: a key removed at the issuer stops its tokens as soon as the JWKS is fetched again, as
 * without the cache. Only tokens that passed are remembered, so requests with made-up tokens
 * cannot fill it.
 */
export class TokenVerifier {
  private readonly verified: LRUCache<string, VerifiedToken> | undefined;
  private hits = 0;

  private constructor(
    private readonly settings: AuthSettings,
    private readonly keys: JWTVerifyGetKey,
    private readonly keyStillServed: KeyStillServed,
  ) {
    this.verified =
      settings.tokenCacheSeconds > 0
        ? new LRUCache({ max: settings.tokenCacheEntries, ttl: settings.tokenCacheSeconds * 1_000 })
        : undefined;
  }

  static async create(settings: AuthSettings): Promise<TokenVerifier> {
    if (settings.jwksUrl) {
      const remote = createRemoteJWKSet(new URL(settings.jwksUrl));
      return new TokenVerifier(
        settings,
        remote,
        (kid) => remote.jwks()?.keys.some((key) => key.kid === kid) ?? false,
      );
    }
    const key = await localIssuerKey(settings.localKeyFile);
    return new TokenVerifier(settings, createLocalJWKSet({ keys: [key.publicJwk] }), () => true);
  }

  /** Requests answered from remembered tokens, without a signature check. */
  get cacheHits(): number {
    return this.hits;
  }

  /**
   * @throws InvalidTokenError (401) for anything wrong with the token;
   *   ApiError AUTH_ISSUER_UNAVAILABLE (503) when the issuer's keys cannot be fetched
   */
  async verify(token: string): Promise<Principal> {
    const remembered = this.verified?.get(token);
    if (remembered !== undefined) {
      if (Date.now() < remembered.validUntilMs && this.keyStillServed(remembered.kid)) {
        this.hits++;
        return remembered.principal;
      }
      // Expired, or its key left the issuer's set: checked again in full (and refused).
      this.verified?.delete(token);
    }
    let payload: JWTPayload;
    let kid: string | undefined;
    try {
      const result = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      });
      payload = result.payload;
      kid = result.protectedHeader.kid;
    } catch (error) {
      throw verificationFailure(error);
    }
    const principal = this.principalOf(payload);
    // A token without a kid is not remembered: which key signed it cannot be asked again.
    if (this.verified && kid !== undefined && payload.exp !== undefined)
      this.verified.set(token, {
        principal,
        validUntilMs: (payload.exp + this.settings.clockToleranceSeconds) * 1_000,
        kid,
      });
    return principal;
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
