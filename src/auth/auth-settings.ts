import { parseUrlSetting } from '../config/url-setting';

/** How callers are authenticated; read from the environment once at start-up. */
export interface AuthSettings {
  /** The issuer's JWKS. Unset: the local development issuer signs and verifies. */
  readonly jwksUrl?: string;
  /** Expected `iss`. */
  readonly issuer: string;
  /** Expected `aud`. */
  readonly audience: string;
  /** Leeway for `exp` and `nbf`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** Dotted path of the claim holding the roles, e.g. `realm_access.roles` for Keycloak. */
  readonly rolesClaim: string;
  /** Where the local issuer keeps its key pair; `memory://` keeps it in memory only. */
  readonly localKeyFile: string;
  /** How long a verified token is remembered (0: every request is verified in full). */
  readonly tokenCacheSeconds: number;
  /** How many verified tokens are remembered at most. */
  readonly tokenCacheEntries: number;
}

/** The issuer name of the local development issuer (its tokens say `iss: ledgerline-local`). */
export const LOCAL_ISSUER = 'ledgerline-local';

export function parseAuthSettings(env: NodeJS.ProcessEnv, embeddedDataDir: string): AuthSettings {
  const jwksUrl = parseUrlSetting('AUTH_JWKS_URL', env.AUTH_JWKS_URL, ['https', 'http']);
  if (jwksUrl !== undefined && !env.AUTH_ISSUER)
    throw new Error('AUTH_ISSUER must be set with AUTH_JWKS_URL (the issuer its tokens name)');
  // Keys fetched over plain HTTP could be swapped on the way; only this machine is trusted.
  if (jwksUrl !== undefined && new URL(jwksUrl).protocol === 'http:' && !isLoopback(jwksUrl))
    throw new Error('AUTH_JWKS_URL must use https (http only for localhost or 127.0.0.1)');
  // Whoever reads the local key file can sign any token: never the silent default in production.
  if (jwksUrl === undefined && env.NODE_ENV === 'production')
    throw new Error(
      'NODE_ENV=production needs AUTH_JWKS_URL and AUTH_ISSUER: the local issuer is for development only',
    );
  const tolerance = Number(env.AUTH_CLOCK_TOLERANCE_S ?? '30');
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 600)
    throw new Error('AUTH_CLOCK_TOLERANCE_S must be an integer from 0 to 600');
  const tokenCacheSeconds = Number(env.AUTH_TOKEN_CACHE_S ?? '60');
  if (!Number.isInteger(tokenCacheSeconds) || tokenCacheSeconds < 0 || tokenCacheSeconds > 3_600)
    throw new Error('AUTH_TOKEN_CACHE_S must be an integer from 0 to 3600');
  const tokenCacheEntries = Number(env.AUTH_TOKEN_CACHE_ENTRIES ?? '10000');
  if (
    !Number.isInteger(tokenCacheEntries) ||
    tokenCacheEntries < 1 ||
    tokenCacheEntries > 1_000_000
  )
    throw new Error('AUTH_TOKEN_CACHE_ENTRIES must be an integer from 1 to 1000000');
  const rolesClaim = env.AUTH_ROLES_CLAIM ?? 'roles';
  if (!/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/.test(rolesClaim))
    throw new Error(`AUTH_ROLES_CLAIM "${rolesClaim}" is not a dotted claim path`);
  return {
    jwksUrl,
    issuer: env.AUTH_ISSUER || LOCAL_ISSUER,
    audience: env.AUTH_AUDIENCE || 'ledgerline',
    clockToleranceSeconds: tolerance,
    rolesClaim,
    tokenCacheSeconds,
    tokenCacheEntries,
    // Relative to the working directory, like the embedded database's default folder; in
    // memory when that database is.
    localKeyFile:
      env.AUTH_LOCAL_KEY_FILE ||
      (embeddedDataDir.startsWith('memory://') ? 'memory://' : '.data/local-issuer-key.json'),
  };
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
