import { setTimeout as sleep } from 'node:timers/promises';
import { AuthSettings, LOCAL_ISSUER } from './auth-settings';
import { localIssuerKey } from './local-issuer-key';
import { signLocalToken } from './local-token';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

const KEY_FILE = 'memory://token-verifier-spec';

const settings = (overrides: Partial<AuthSettings> = {}): AuthSettings => ({
  issuer: LOCAL_ISSUER,
  audience: 'ledgerline',
  clockToleranceSeconds: 0,
  rolesClaim: 'roles',
  localKeyFile: KEY_FILE,
  tokenCacheSeconds: 60,
  tokenCacheEntries: 100,
  ...overrides,
});

const token = async (ttlSeconds = 600, subject = 'teller-1'): Promise<string> =>
  signLocalToken(await localIssuerKey(KEY_FILE), settings(), {
    subject,
    roles: ['teller'],
    ttlSeconds,
  });

describe('TokenVerifier: tokens verified before', () => {
  it('answers a token it verified from memory, with the same principal', async () => {
    const verifier = await TokenVerifier.create(settings());
    const bearer = await token();
    const first = await verifier.verify(bearer);
    expect(await verifier.verify(bearer)).toEqual(first);
    expect(first).toEqual({ subject: 'teller-1', roles: new Set(['teller']) });
    expect(verifier.cacheHits).toBe(1);
  });

  it('checks every other token in full: a forged copy of a remembered one is refused', async () => {
    const verifier = await TokenVerifier.create(settings());
    const bearer = await token();
    await verifier.verify(bearer);
    const [header, payload, signature] = bearer.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        roles: ['admin'],
      }),
    ).toString('base64url');
    await expect(verifier.verify(`${header}.${forgedPayload}.${signature}`)).rejects.toThrow(
      new InvalidTokenError('the token signature is not valid'),
    );
    expect(verifier.cacheHits).toBe(0);
  });

  it('refuses a remembered token once it has expired', async () => {
    const verifier = await TokenVerifier.create(settings());
    // Long enough to be verified first on a busy machine (exp is whole seconds: 2-3 s away).
    const bearer = await token(3);
    await verifier.verify(bearer);
    const { exp } = JSON.parse(Buffer.from(bearer.split('.')[1], 'base64url').toString()) as {
      exp: number;
    };
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 100);
    await expect(verifier.verify(bearer)).rejects.toThrow(
      new InvalidTokenError('the token has expired'),
    );
    expect(verifier.cacheHits).toBe(0);
  });

  it('remembers nothing with AUTH_TOKEN_CACHE_S=0', async () => {
    const verifier = await TokenVerifier.create(settings({ tokenCacheSeconds: 0 }));
    const bearer = await token();
    await verifier.verify(bearer);
    await verifier.verify(bearer);
    expect(verifier.cacheHits).toBe(0);
  });

  it('keeps at most tokenCacheEntries tokens, dropping the least recently used', async () => {
    const verifier = await TokenVerifier.create(settings({ tokenCacheEntries: 2 }));
    const [a, b, c] = await Promise.all([token(600, 'a'), token(600, 'b'), token(600, 'c')]);
    for (const bearer of [a, b, c]) await verifier.verify(bearer);
    await verifier.verify(c);
    await verifier.verify(b);
    expect(verifier.cacheHits).toBe(2);
    await verifier.verify(a); // dropped: verified in full again
    expect(verifier.cacheHits).toBe(2);
  });
});
