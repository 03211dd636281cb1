import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, exportSPKI, JWTPayload, SignJWT } from 'jose';
import request from 'supertest';
import { localIssuerKey } from '../src/auth/local-issuer-key';
import { signLocalToken } from '../src/auth/local-token';
import { accountsApi, uniqueDocumentNumber } from './support/accounts-api';
import {
  base64urlJson,
  issuerKey,
  IssuerKey,
  JwksAnswer,
  JwksServer,
  signToken,
  startJwksServer,
  unreachableJwksUrl,
} from './support/oidc-issuer';
import { expectCleanProblem } from './support/problem-assertions';
import { startTestApp, TestApp, useTestApp } from './support/test-app';
import { mintToken, testKeyFile } from './support/tokens';

/**
 * Bearer-token attacks against the app as a real OIDC resource server: the JWKS comes from an
 * HTTP endpoint this file runs (an RS256 and an ES256 key), as Keycloak or Auth0 would serve
 * it. Every forged, stale, misdirected or misplaced token is a 401 that writes nothing.
 */

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'ledgerline';

const oidcEnv = (jwksUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  AUTH_JWKS_URL: jwksUrl,
  AUTH_ISSUER: ISSUER,
  AUTH_AUDIENCE: AUDIENCE,
  ...extra,
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The claims of a valid teller token; an override of `undefined` leaves that claim out. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const all: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `oidc-user-${randomUUID()}`,
    roles: ['teller'],
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

/** `token` with its payload replaced by `change(payload)` and its signature kept. */
function tamper(token: string, change: (payload: JWTPayload) => JWTPayload): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
  return `${header}.${base64urlJson(change(decoded))}.${signature}`;
}

/**
 * The challenge the guard sends, in RFC 6750 section 3 syntax: error_description is a quoted
 * string of %x20-21 / %x23-5B / %x5D-7E, i.e. no `"` and no `\` inside it.
 */
const CHALLENGE =
  /^Bearer realm="ledgerline"(, error="invalid_token", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]*")?$/;

function expectUnauthenticated(response: request.Response, reason?: RegExp): void {
  expectCleanProblem(response, 401, 'UNAUTHENTICATED');
  if (reason) expect((response.body as { detail: string }).detail).toMatch(reason);
  expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
  expect(response.headers['www-authenticate']).toMatch(CHALLENGE);
}

// Why each is refused (the problem's detail): the refusal is for the reason under test,
// not an accident of some other check.
const REASON = {
  noToken: /needs an Authorization: Bearer token/,
  algorithm: /algorithm this service refuses/,
  unknownKey: /key the issuer's JWKS does not hold/,
  signature: /signature is not valid/,
  expired: /has expired/,
  claim: (name: string) => new RegExp(`${name} claim is not acceptable`),
  sub: /no usable sub claim|sub claim is not acceptable/,
  customerId: /customer role needs a customer_id/,
  query: /tokens in the query string are refused/,
  header: /Authorization header must be "Bearer <token>"/,
  notJwt: /not a valid signed JWT/,
};

const context = useTestApp('auth-tokens');

/** Rows in the book of record: a refused request must not add one. */
async function eventCount(): Promise<number> {
  const [row] = await context.database.dataSource.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM es_events',
  );
  return row.n;
}

/** How a request presents its credentials (or fails to). */
interface Credentials {
  readonly authorization?: string;
  /** Sent as `?access_token=`. */
  readonly queryToken?: string;
}

const bearer = (token: string): Credentials => ({ authorization: `Bearer ${token}` });

function withCredentials(test: request.Test, credentials: Credentials): request.Test {
  return credentials.authorization === undefined
    ? test
    : test.set('Authorization', credentials.authorization);
}

function pathWith(path: string, credentials: Credentials): string {
  return credentials.queryToken === undefined
    ? path
    : `${path}?access_token=${encodeURIComponent(credentials.queryToken)}`;
}

const listAccounts = (app: TestApp, credentials: Credentials) =>
  withCredentials(request(app.baseUrl).get(pathWith('/accounts', credentials)), credentials);

const registerCustomer = (app: TestApp, credentials: Credentials) =>
  withCredentials(
    request(app.baseUrl).post(pathWith('/customers', credentials)).send({
      name: 'Mallory',
      email: 'mallory@example.com',
      documentNumber: uniqueDocumentNumber(),
    }),
    credentials,
  );

const deposit = (app: TestApp, accountId: string, credentials: Credentials) =>
  withCredentials(
    request(app.baseUrl)
      .post(pathWith(`/accounts/${accountId}/deposits`, credentials))
      .send({ amount: 1000 }),
    credentials,
  );

describe('an OIDC resource server (remote JWKS with an RS256 and an ES256 key)', () => {
  let rsa: IssuerKey;
  let ec: IssuerKey;
  let jwks: JwksServer;
  let app: TestApp;
  let accountId: string;
  let customerId: string;

  beforeAll(async () => {
    rsa = await issuerKey('RS256');
    ec = await issuerKey('ES256');
    jwks = await startJwksServer({ keys: [rsa, ec] });
    app = await startTestApp(context.database, oidcEnv(jwks.url));
    // The target of the write attempts, opened with the staff token on the local-issuer app.
    const accounts = accountsApi(() => context.app.baseUrl);
    customerId = await accounts.customer();
    accountId = await accounts.open();
  });
  afterAll(async () => {
    await app?.close();
    await jwks?.close();
  });

  describe('valid tokens', () => {
    it.each<['RS256' | 'ES256']>([['RS256'], ['ES256']])(
      'a %s teller token reads (200) and writes (201), and the writes are in the event store',
      async (alg) => {
        const token = bearer(await signToken(alg === 'RS256' ? rsa : ec, claims()));
        await listAccounts(app, token).expect(200);
        const before = await eventCount();
        await registerCustomer(app, token).expect(201);
        await deposit(app, accountId, token).expect(201);
        // The counting below is meaningful: accepted writes do show up.
        expect(await eventCount()).toBeGreaterThanOrEqual(before + 2);
      },
    );

    it('accepts exp and nbf within the 30 s clock tolerance, and an aud array naming this API', async () => {
      await listAccounts(
        app,
        bearer(await signToken(rsa, claims({ exp: nowSeconds() - 5 }))),
      ).expect(200);
      await listAccounts(
        app,
        bearer(await signToken(ec, claims({ nbf: nowSeconds() + 5 }))),
      ).expect(200);
      await listAccounts(
        app,
        bearer(await signToken(ec, claims({ aud: ['another-api', AUDIENCE] }))),
      ).expect(200);
    });

    it('accepts a customer token that names its customer_id (self-service scope)', async () => {
      const token = bearer(
        await signToken(ec, claims({ roles: ['customer'], customer_id: customerId })),
      );
      const response = await listAccounts(app, token).expect(200);
      const { items } = response.body as { items: { customerId: string }[] };
      expect(items.every((item) => item.customerId === customerId)).toBe(true);
    });
  });

  const attacks: [string, RegExp, () => Promise<Credentials>][] = [
    ['no token at all', REASON.noToken, () => Promise.resolve({})],
    [
      'alg "none" with an empty signature',
      REASON.algorithm,
      () =>
        Promise.resolve(
          bearer(`${base64urlJson({ alg: 'none', typ: 'JWT' })}.${base64urlJson(claims())}.`),
        ),
    ],
    [
      'alg "none" naming a published kid',
      REASON.algorithm,
      () =>
        Promise.resolve(
          bearer(
            `${base64urlJson({ alg: 'none', typ: 'JWT', kid: rsa.kid })}.${base64urlJson(claims())}.`,
          ),
        ),
    ],
    [
      'HS256 signed with the RS256 public key PEM as the HMAC secret (algorithm confusion)',
      REASON.algorithm,
      async () =>
        bearer(
          await new SignJWT(claims())
            .setProtectedHeader({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' })
            .sign(new TextEncoder().encode(await exportSPKI(rsa.publicKey))),
        ),
    ],
    [
      'HS256 signed with the RS256 public JWK (as the JWKS serves it) as the HMAC secret',
      REASON.algorithm,
      async () =>
        bearer(
          await new SignJWT(claims())
            .setProtectedHeader({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' })
            .sign(new TextEncoder().encode(JSON.stringify(rsa.publicJwk))),
        ),
    ],
    [
      'signed by a key the JWKS does not hold (unknown kid)',
      REASON.unknownKey,
      async () => bearer(await signToken(await issuerKey('RS256', 'attacker-key'), claims())),
    ],
    [
      "signed by another key under a published key's kid",
      REASON.signature,
      async () => bearer(await signToken(await issuerKey('ES256', ec.kid), claims())),
    ],
    [
      'expired beyond the clock tolerance',
      REASON.expired,
      async () =>
        bearer(await signToken(rsa, claims({ iat: nowSeconds() - 720, exp: nowSeconds() - 120 }))),
    ],
    [
      'nbf in the future beyond the clock tolerance',
      REASON.claim('nbf'),
      async () => bearer(await signToken(rsa, claims({ nbf: nowSeconds() + 120 }))),
    ],
    [
      'without exp',
      REASON.claim('exp'),
      async () => bearer(await signToken(ec, claims({ exp: undefined }))),
    ],
    [
      'from another issuer',
      REASON.claim('iss'),
      async () => bearer(await signToken(rsa, claims({ iss: 'https://evil.test' }))),
    ],
    [
      'for another audience',
      REASON.claim('aud'),
      async () => bearer(await signToken(ec, claims({ aud: 'another-api' }))),
    ],
    [
      'a teller token whose payload was changed to roles ["admin"] (signature kept)',
      REASON.signature,
      async () =>
        bearer(
          tamper(await signToken(rsa, claims()), (payload) => ({ ...payload, roles: ['admin'] })),
        ),
    ],
    [
      'an auditor token whose payload was changed to roles ["teller"] (signature kept)',
      REASON.signature,
      async () =>
        bearer(
          tamper(await signToken(ec, claims({ roles: ['auditor'] })), (payload) => ({
            ...payload,
            roles: ['teller'],
          })),
        ),
    ],
    [
      'without sub',
      REASON.sub,
      async () => bearer(await signToken(rsa, claims({ sub: undefined }))),
    ],
    [
      'with an empty sub',
      REASON.sub,
      async () => bearer(await signToken(rsa, claims({ sub: '' }))),
    ],
    [
      'a customer token without customer_id',
      REASON.customerId,
      async () => bearer(await signToken(ec, claims({ roles: ['customer'] }))),
    ],
    [
      'a customer token whose customer_id is not a uuid',
      REASON.customerId,
      async () =>
        bearer(await signToken(ec, claims({ roles: ['customer'], customer_id: 'everyone' }))),
    ],
    [
      'a valid token in the query string only',
      REASON.query,
      async () => ({ queryToken: await signToken(rsa, claims()) }),
    ],
    [
      'a valid token in the query string and in the header',
      REASON.query,
      async () => {
        const token = await signToken(rsa, claims());
        return { ...bearer(token), queryToken: token };
      },
    ],
    [
      'an Authorization: Basic header',
      REASON.header,
      () => Promise.resolve({ authorization: 'Basic dGVsbGVyOnRlbGxlcg==' }),
    ],
    ['"Bearer" with no token', REASON.header, () => Promise.resolve({ authorization: 'Bearer' })],
    [
      'a valid token under another scheme name',
      REASON.header,
      async () => ({ authorization: `Token ${await signToken(rsa, claims())}` }),
    ],
    [
      'two tokens in one Bearer header',
      REASON.header,
      async () => ({
        authorization: `Bearer ${await signToken(rsa, claims())} ${await signToken(ec, claims())}`,
      }),
    ],
    ['a bearer value that is not a JWT', REASON.notJwt, () => Promise.resolve(bearer('not-a-jwt'))],
    [
      "a token of this run's local issuer (another issuer and key)",
      REASON.unknownKey,
      async () => bearer(await mintToken({ roles: ['teller'] })),
    ],
  ];

  describe.each(attacks)('%s', (_name, reason, credentialsOf) => {
    it('is 401 UNAUTHENTICATED with a Bearer challenge on a read', async () => {
      expectUnauthenticated(await listAccounts(app, await credentialsOf()), reason);
    });

    it('is 401 on POST /customers and on a deposit, and writes no event', async () => {
      const credentials = await credentialsOf();
      const before = await eventCount();
      expectUnauthenticated(await registerCustomer(app, credentials), reason);
      expectUnauthenticated(await deposit(app, accountId, credentials), reason);
      expect(await eventCount()).toBe(before);
    });
  });

  it('serves GET /health/live without a token, and with a bad or forged one', async () => {
    await request(app.baseUrl).get('/health/live').expect(200);
    await request(app.baseUrl)
      .get('/health/live')
      .set('Authorization', 'Bearer not-a-jwt')
      .expect(200);
    await request(app.baseUrl)
      .get('/health/live')
      .set('Authorization', `Bearer ${base64urlJson({ alg: 'none' })}.${base64urlJson(claims())}.`)
      .expect(200);
    await request(app.baseUrl).get('/health/live').set('Authorization', 'Basic eDp5').expect(200);
  });

  it('does not publish the local issuer JWKS when it verifies against a remote issuer', async () => {
    const response = await request(app.baseUrl).get('/auth/jwks.json');
    expectCleanProblem(response, 404, 'NOT_FOUND');
  });

  describe('with AUTH_ROLES_CLAIM=realm_access.roles (Keycloak)', () => {
    let keycloak: TestApp;
    beforeAll(async () => {
      keycloak = await startTestApp(
        context.database,
        oidcEnv(jwks.url, { AUTH_ROLES_CLAIM: 'realm_access.roles' }),
      );
    });
    afterAll(async () => {
      await keycloak?.close();
    });

    it('takes the roles from realm_access.roles: a teller reads and writes', async () => {
      const token = bearer(
        await signToken(rsa, claims({ roles: undefined, realm_access: { roles: ['teller'] } })),
      );
      await listAccounts(keycloak, token).expect(200);
      await registerCustomer(keycloak, token).expect(201);
    });

    it('ignores a top-level roles claim there: the token holds no role (403)', async () => {
      const response = await listAccounts(keycloak, bearer(await signToken(rsa, claims())));
      expectCleanProblem(response, 403, 'FORBIDDEN');
    });
  });
});

describe('key rotation at the issuer', () => {
  let jwks: JwksServer;
  let app: TestApp;
  let oldKey: IssuerKey;
  let newKey: IssuerKey;

  beforeAll(async () => {
    oldKey = await issuerKey('RS256', 'key-2025');
    newKey = await issuerKey('RS256', 'key-2026');
    jwks = await startJwksServer({ keys: [oldKey] });
    app = await startTestApp(context.database, oidcEnv(jwks.url));
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await jwks?.close();
  });

  it('accepts a new kid once jose refetches the JWKS, which it does at most every 30 s', async () => {
    const oldToken = bearer(await signToken(oldKey, claims()));
    const newToken = bearer(await signToken(newKey, claims()));
    await listAccounts(app, oldToken).expect(200);
    expect(jwks.fetches()).toBe(1);

    jwks.serve({ keys: [newKey] });
    // jose's cooldown (30 s) starts at the last successful fetch, the first one included: a
    // token of the new key within 30 s of it is refused without asking the issuer again.
    expectUnauthenticated(await listAccounts(app, newToken), REASON.unknownKey);
    expect(jwks.fetches()).toBe(1);

    // 31 s later (jose's clock is Date.now; token times are checked against new Date()).
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    try {
      await listAccounts(app, newToken).expect(200);
      expect(jwks.fetches()).toBe(2);
      // The old key left the JWKS with that fetch; its tokens no longer pass.
      expectUnauthenticated(await listAccounts(app, oldToken), REASON.unknownKey);
      expect(jwks.fetches()).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });
});

describe('when the issuer cannot serve its keys', () => {
  let rsa: IssuerKey;
  beforeAll(async () => {
    rsa = await issuerKey('RS256');
  });

  function expectIssuerUnavailable(response: request.Response): void {
    expectCleanProblem(response, 503, 'AUTH_ISSUER_UNAVAILABLE');
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(response.headers['www-authenticate']).toBeUndefined();
  }

  it('answers 503 AUTH_ISSUER_UNAVAILABLE with Retry-After while the JWKS endpoint is down, and writes nothing', async () => {
    const app = await startTestApp(context.database, oidcEnv(await unreachableJwksUrl()));
    try {
      const token = bearer(await signToken(rsa, claims()));
      expectIssuerUnavailable(await listAccounts(app, token));
      const before = await eventCount();
      expectIssuerUnavailable(await registerCustomer(app, token));
      expect(await eventCount()).toBe(before);
      // No token needs no keys: still a plain 401, and the process stays live.
      expectUnauthenticated(await listAccounts(app, {}), REASON.noToken);
      await request(app.baseUrl)
        .get('/health/live')
        .set('Authorization', token.authorization ?? '')
        .expect(200);
    } finally {
      await app.close();
    }
  });

  it.each<[string, JwksAnswer]>([
    ['answers 500', { status: 500, body: '{"error":"internal"}' }],
    ['answers 200 with HTML', { status: 200, body: '<html>maintenance</html>' }],
    ['answers 200 with JSON that is not a key set', { status: 200, body: '{"keys":"none"}' }],
  ])('answers 503 (never 500, never 401) while the JWKS endpoint %s', async (_name, answer) => {
    const jwks = await startJwksServer(answer);
    const app = await startTestApp(context.database, oidcEnv(jwks.url));
    try {
      expectIssuerUnavailable(await listAccounts(app, bearer(await signToken(rsa, claims()))));
      expect(jwks.fetches()).toBeGreaterThanOrEqual(1);
    } finally {
      await app.close();
      await jwks.close();
    }
  });
});

describe('the local development issuer (no AUTH_JWKS_URL)', () => {
  it('serves its JWKS without a token: one ES256 public key, the kid its tokens name', async () => {
    const response = await request(context.app.baseUrl).get('/auth/jwks.json').expect(200);
    const { keys } = response.body as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key).not.toHaveProperty('d');
    const header = decodeProtectedHeader(await mintToken({ roles: ['teller'] }));
    expect(header).toMatchObject({ alg: 'ES256', kid: key.kid });
  });

  it('accepts its own tokens', async () => {
    await listAccounts(context.app, bearer(await mintToken({ roles: ['auditor'] }))).expect(200);
  });

  it.each([
    ['another issuer', { issuer: 'https://issuer.test', audience: 'ledgerline', claim: 'iss' }],
    ['another audience', { issuer: 'ledgerline-local', audience: 'another-api', claim: 'aud' }],
  ])(
    'refuses a token signed with its own key for %s (401)',
    async (_name, { issuer, audience, claim }) => {
      const token = await signLocalToken(
        await localIssuerKey(testKeyFile()),
        { issuer, audience, rolesClaim: 'roles' },
        { subject: 'elsewhere', roles: ['teller'], ttlSeconds: 600 },
      );
      const before = await eventCount();
      expectUnauthenticated(await listAccounts(context.app, bearer(token)), REASON.claim(claim));
      expectUnauthenticated(
        await registerCustomer(context.app, bearer(token)),
        REASON.claim(claim),
      );
      expect(await eventCount()).toBe(before);
    },
  );
});
