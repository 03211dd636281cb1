import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthSettings } from '../../src/auth/auth-settings';
import { LocalIssuerKey, localIssuerKey } from '../../src/auth/local-issuer-key';
import { signLocalToken } from '../../src/auth/local-token';
import { Role } from '../../src/auth/roles';
import { loadAppConfig } from '../../src/config/app-config';

/**
 * Far above anything a benchmark sends (the most the app accepts): the rate limiter counts
 * every request, as in production, and never answers 429. A benchmark measures throughput,
 * not throttling.
 */
const UNREACHABLE_RATE_LIMIT = '10000000';
/** Longer than any benchmark process runs. */
const TOKEN_TTL_SECONDS = 4 * 3600;
/**
 * Load is spread over this many principals, taken in turn: up to about 5 000 requests/s each
 * stays under the default limit of 600 requests a minute. The in-memory rate limiter keeps a
 * log of each principal's hits in the last minute and copies it on every request of that
 * principal (@nestjs/throttler's storage), so its cost grows with the principal's rate; in
 * production the limit bounds that log, and so it does here. One principal sending the whole
 * load under the unreachable limit would measure a log of tens of thousands of hits instead.
 */
export const LOAD_PRINCIPALS = 512;

/** Request headers carrying one principal's bearer token. */
export type AuthHeaders = Readonly<{ authorization: string }>;

/** The headers of the next principal in turn (call it once per request). */
export type Principals = () => AuthHeaders;

/**
 * Authentication for a benchmark's app, left on: the local development issuer with a key
 * file of the benchmark's own (a fresh temporary folder), loaded with the app's own code
 * before the app starts, and tokens signed with it as the app's issuer would.
 */
export interface BenchAuth {
  /** For the app's environment: AUTH_LOCAL_KEY_FILE and the rate limits. */
  readonly env: Readonly<Record<string, string>>;
  /** The settings the app parses from `env`. */
  readonly settings: AuthSettings;
  readonly key: LocalIssuerKey;
  /** `bench-operator` (role admin), for the few /admin/* reads between measurements. */
  readonly admin: AuthHeaders;
  /** LOAD_PRINCIPALS principals `bench-<role>-<n>` with `role`, in turn. */
  principals(role: Role): Promise<Principals>;
  /** A token for one principal. */
  mint(subject: string, roles: readonly Role[]): Promise<string>;
  /** Deletes the key file and its folder. */
  remove(): Promise<void>;
}

const bearer = (token: string): AuthHeaders => ({ authorization: `Bearer ${token}` });

export async function openBenchAuth(): Promise<BenchAuth> {
  const dir = await mkdtemp(join(tmpdir(), 'll-bench-auth-'));
  const env = {
    AUTH_LOCAL_KEY_FILE: join(dir, 'local-issuer-key.json'),
    RATE_LIMIT_REQUESTS_PER_MINUTE: UNREACHABLE_RATE_LIMIT,
    RATE_LIMIT_WRITES_PER_MINUTE: UNREACHABLE_RATE_LIMIT,
  };
  const settings = loadAppConfig(env).auth;
  const key = await localIssuerKey(settings.localKeyFile);
  const mint = (subject: string, roles: readonly Role[]) =>
    signLocalToken(key, settings, { subject, roles, ttlSeconds: TOKEN_TTL_SECONDS });
  return {
    env,
    settings,
    key,
    admin: bearer(await mint('bench-operator', ['admin'])),
    async principals(role) {
      const headers: AuthHeaders[] = [];
      for (let n = 0; n < LOAD_PRINCIPALS; n++)
        headers.push(bearer(await mint(`bench-${role}-${n}`, [role])));
      let next = 0;
      return () => headers[next++ % headers.length];
    },
    mint,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
