import { AuthSettings } from '../../src/auth/auth-settings';
import { LocalIssuerKey, localIssuerKey } from '../../src/auth/local-issuer-key';
import { signLocalToken } from '../../src/auth/local-token';
import { Role } from '../../src/auth/roles';
import { loadAppConfig } from '../../src/config/app-config';

/** Who sends a request: a principal of the run's issuer, and the header that proves it. */
export interface Caller {
  /** The token's `sub`. */
  readonly subject: string;
  /**
   * The actor the app must write into the metadata of the events this caller's requests
   * cause: `user:<sub>`. Spelled out here, not imported: the checker's expectation must not
   * move when the app's code does.
   */
  readonly actor: string;
  /** `authorization: Bearer <token>`, sent on every request of this caller. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The run's token issuer: the local development issuer's key pair in the run's key file,
 * loaded (or created) with the app's own code, and the auth settings the app instances parse
 * from the environment they are given. A token minted here is valid on every instance and
 * every incarnation of the run, since all of them read the same key file.
 */
export class RunCredentials {
  private constructor(
    private readonly key: LocalIssuerKey,
    private readonly settings: AuthSettings,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * @param appEnv the environment the app instances get (AUTH_LOCAL_KEY_FILE among it)
   * @param ttlSeconds lifetime of every token: longer than the run, so none expires mid-run
   */
  static async open(
    appEnv: Readonly<Record<string, string>>,
    ttlSeconds: number,
  ): Promise<RunCredentials> {
    const settings = loadAppConfig(appEnv).auth;
    if (settings.jwksUrl)
      throw new Error('the checker mints its own tokens: AUTH_JWKS_URL must stay unset');
    if (settings.localKeyFile.startsWith('memory://'))
      throw new Error('the app instances must share a key file: AUTH_LOCAL_KEY_FILE is memory://');
    const key = await localIssuerKey(settings.localKeyFile);
    return new RunCredentials(key, settings, Math.ceil(ttlSeconds));
  }

  async caller(subject: string, roles: readonly Role[]): Promise<Caller> {
    const token = await signLocalToken(this.key, this.settings, {
      subject,
      roles,
      ttlSeconds: this.ttlSeconds,
    });
    return { subject, actor: `user:${subject}`, headers: { authorization: `Bearer ${token}` } };
  }
}

/** The principals a run uses besides the workload's clients (each of those has its own). */
export interface RunCallers {
  /** The outage prober's deposits and the probe account it opens (role teller). */
  readonly prober: Caller;
  /** GET /admin/outbox and /admin/projections while waiting for quiescence (role admin). */
  readonly operator: Caller;
  /**
   * The checks' reads of accounts and transfers through the API (role auditor: it reads every
   * customer's data and can move no money; an admin token has no customer scope).
   */
  readonly auditor: Caller;
}

export async function runCallers(credentials: RunCredentials): Promise<RunCallers> {
  return {
    prober: await credentials.caller('chaos-prober', ['teller']),
    operator: await credentials.caller('chaos-operator', ['admin']),
    auditor: await credentials.caller('chaos-auditor', ['auditor']),
  };
}

/** The workload's simulated client `index`: a teller of its own (its own rate-limit counter). */
export const workloadClientSubject = (index: number): string => `chaos-client-${index}`;
