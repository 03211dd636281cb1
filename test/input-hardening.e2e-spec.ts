import { connect } from 'node:net';
import request from 'supertest';
import { MAX_JSON_DEPTH } from '../src/common/http/forbidden-keys.middleware';
import { accountsApi, registerCustomer } from './support/accounts-api';
import { httpApi, staffToken } from './support/api';
import { expectCleanProblem } from './support/problem-assertions';
import { startTestApp, TestApp, useTestApp } from './support/test-app';

const context = useTestApp('input_hardening');
const accounts = accountsApi(() => context.app.baseUrl);
const http = (): request.Agent => httpApi(context.app.baseUrl);
let accountId: string;

beforeAll(async () => {
  accountId = await accounts.open();
  await accounts.deposit(accountId, 1000).expect(201);
});

const eventCount = async (): Promise<number> => {
  const [row] = await context.database.dataSource.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM es_events',
  );
  return row.n;
};

const deposits = () => `/accounts/${accountId}/deposits`;

/** POSTs a JSON text exactly as written (supertest would re-serialise an object). */
const postRaw = (path: string, json: string) =>
  http().post(path).set('Content-Type', 'application/json').send(json);

const fieldsOf = (response: request.Response): string[] =>
  ((response.body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);

/** `{"a":{"a":…1…}}` with `depth` objects. */
const nestedObjects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('deeply nested JSON', () => {
  it('1 500 levels (a 3 kB body) is 400 VALIDATION_FAILED, not a stack overflow', async () => {
    const before = await eventCount();
    const deep = '['.repeat(1500) + ']'.repeat(1500);
    for (const body of [`{"amount":1,"reference":${deep}}`, nestedObjects(1500)]) {
      const response = await postRaw(deposits(), body);
      expectCleanProblem(response, 400, 'VALIDATION_FAILED');
      expect((response.body as { detail: string }).detail).toMatch(/nest/);
    }
    expect(await eventCount()).toBe(before);
  });

  it(`the limit is ${MAX_JSON_DEPTH} levels: one more is refused for its depth`, async () => {
    const atLimit = await postRaw(deposits(), nestedObjects(MAX_JSON_DEPTH));
    expectCleanProblem(atLimit, 400, 'VALIDATION_FAILED');
    // Refused for the unknown field `a`, not for its depth.
    expect((atLimit.body as { detail: string }).detail).not.toMatch(/nest/);

    const beyond = await postRaw(deposits(), nestedObjects(MAX_JSON_DEPTH + 1));
    expectCleanProblem(beyond, 400, 'VALIDATION_FAILED');
    expect((beyond.body as { detail: string }).detail).toMatch(/nest/);
  });
});

describe('names of Object.prototype members', () => {
  const names = Object.getOwnPropertyNames(Object.prototype);

  it.each(names)('%s in a body is 400 VALIDATION_FAILED naming the field', async (name) => {
    const before = await eventCount();
    const response = await postRaw(deposits(), `{"amount":1,${JSON.stringify(name)}:1}`);
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(response)).toContain(name);
    expect(await eventCount()).toBe(before);
  });

  it('is refused anywhere in the body, with its path', async () => {
    const response = await postRaw(
      deposits(),
      '{"amount":1,"reference":"x","meta":[{"valueOf":1}]}',
    );
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(response)).toContain('meta.0.valueOf');
  });

  it.each(names)('%s as a query parameter name is 400 VALIDATION_FAILED', async (name) => {
    const response = await http().get(`/accounts?${encodeURIComponent(name)}=x`);
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(response)).toContain(name);
  });

  it('is refused on every list and history route', async () => {
    for (const path of [
      '/accounts?constructor=x',
      '/customers?toString=1',
      '/customers?query=a&hasOwnProperty=1',
      `/accounts/${accountId}/events?valueOf=1`,
      `/accounts/${accountId}/balance?isPrototypeOf=1`,
    ]) {
      const response = await http().get(path);
      expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    }
  });

  it('ordinary query parameters still work', async () => {
    await http().get('/customers?query=a&limit=5').expect(200);
    await http().get(`/accounts/${accountId}/events?fromVersion=1&limit=5`).expect(200);
  });
});

// Passes once the routes carry @NoBody() (src/common/http/no-body.decorator.ts).
describe('body-less commands refuse a body', () => {
  it('POST /accounts/:id/close with a body is 400 and leaves the account open', async () => {
    const id = await accounts.open();
    for (const body of ['{"reason":"fraud"}', '[]', '[1]']) {
      const response = await postRaw(`/accounts/${id}/close`, body);
      expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    }
    expect(fieldsOf(await postRaw(`/accounts/${id}/close`, '{"reason":"x"}'))).toEqual(['reason']);
    expect((await accounts.account(id)).status).toBe('OPEN');
  });

  it('POST /customers/:id/unregister with a body is 400 and leaves the customer registered', async () => {
    const id = await registerCustomer(http);
    const response = await postRaw(`/customers/${id}/unregister`, '{"force":true}');
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(response)).toEqual(['force']);
    const customer = await http().get(`/customers/${id}`).expect(200);
    expect((customer.body as { status: string }).status).toBe('ACTIVE');
  });

  it('no body, an empty body or {} is fine', async () => {
    const [first, second, third] = [
      await accounts.open(),
      await accounts.open(),
      await accounts.open(),
    ];
    await http().post(`/accounts/${first}/close`).expect(200);
    await postRaw(`/accounts/${second}/close`, '{}').expect(200);
    await postRaw(`/accounts/${third}/close`, '').expect(200);
    await postRaw(`/customers/${await registerCustomer(http)}/unregister`, '{}').expect(200);
    await http()
      .post(`/customers/${await registerCustomer(http)}/unregister`)
      .expect(200);
  });
});

describe('numbers must be exact integers', () => {
  it.each([
    ['a fraction that rounds to an integer', '100.000000000000001'],
    ['a zero fraction', '100.0'],
    ['an exponent', '1e2'],
    ['an exponent with a fraction', '1.5E+1'],
    ['an integer beyond 2^53', '9007199254740993'],
  ])('%s (%s) is 400 VALIDATION_FAILED naming the field', async (_, amount) => {
    const before = await accounts.account(accountId);
    const response = await postRaw(deposits(), `{"amount":${amount}}`);
    expectCleanProblem(response, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(response)).toEqual(['amount']);
    expect(await accounts.account(accountId)).toEqual(before);
  });

  it('digits, dots and exponents inside strings are text, not numbers', async () => {
    await postRaw(deposits(), '{"amount":5,"reference":"1.5 \\"2.5e3\\" -3E4 \\\\"}').expect(201);
  });
});

describe('slow clients are cut off', () => {
  let slow: TestApp;

  beforeAll(async () => {
    slow = await startTestApp(context.database, {
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      PROJECTIONS: 'off',
      OUTBOX_RELAY: 'off',
      PROCESS_MANAGERS: 'off',
    });
  });
  afterAll(() => slow?.close());

  /**
   * Opens a socket, writes `head` at once and then `trickle` one character every `everyMs`;
   * resolves with how long the server took to answer or close, and what it answered.
   */
  function trickle(
    head: string,
    trickled: string,
    everyMs: number,
  ): Promise<{ ms: number; answer: string }> {
    const { port } = new URL(slow.baseUrl);
    return new Promise((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      const started = Date.now();
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ ms: Date.now() - started, answer });
      });
      // Give up well after the bound the test asserts, so a missing timeout fails, not hangs.
      setTimeout(() => socket.destroy(), 15_000).unref();
      socket.on('connect', () => {
        socket.write(head);
        timer = setInterval(() => {
          if (sent < trickled.length && socket.writable) socket.write(trickled[sent++]);
        }, everyMs);
      });
    });
  }

  const authorization = (): string => {
    const token = staffToken();
    return token ? `Authorization: Bearer ${token}\r\n` : '';
  };

  it('a body trickled one byte every 500 ms is cut off within seconds', async () => {
    const head =
      `POST /accounts/${accountId}/deposits HTTP/1.1\r\nHost: 127.0.0.1\r\n${authorization()}` +
      'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const { ms, answer } = await trickle(head, `{"amount":1,"reference":"${'x'.repeat(72)}"}`, 500);
    expect(ms).toBeLessThan(6_000);
    if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);

  it('headers trickled one byte every 300 ms are cut off within seconds', async () => {
    const { ms, answer } = await trickle(
      '',
      `GET /accounts/${accountId} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'x'.repeat(100)}\r\n\r\n`,
      300,
    );
    expect(ms).toBeLessThan(6_000);
    if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);
});

describe('responses are not stored by caches', () => {
  it('account, history, balance, customer and error responses carry Cache-Control: no-store', async () => {
    const customerId = await accounts.customer();
    const responses = [
      await http().get(`/accounts/${accountId}`).expect(200),
      await http().get(`/accounts/${accountId}/events`).expect(200),
      await http().get(`/accounts/${accountId}/balance`).expect(200),
      await http().get(`/customers/${customerId}`).expect(200),
      await http().get('/accounts/7d3f6a52-1111-4222-8333-944455556666').expect(404),
      await postRaw(deposits(), '{"amount":').expect(400),
      await http().post(deposits()).set('Content-Type', 'text/plain').send('x').expect(415),
    ];
    for (const response of responses) expect(response.headers['cache-control']).toBe('no-store');
  });
});
