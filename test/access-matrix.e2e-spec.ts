import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PATH_METADATA } from '@nestjs/common/constants';
import request from 'supertest';
import { ACCESS_POLICY } from '../src/auth/access-policy.decorator';
import { Role } from '../src/auth/roles';
import { accountsApi, uniqueDocumentNumber } from './support/accounts-api';
import { httpApi } from './support/api';
import { eventually } from './support/eventually';
import { useTestApp } from './support/test-app';
import { mintToken } from './support/tokens';
import { Caller, contextAccessRows, Fixture, RouteRow } from './support/access-rows';

/**
 * Every route the app serves × every kind of caller, with the status each must get. The
 * route list comes from the running app, so a route added without a row here (and without
 * a declared policy) fails this file.
 */
const context = useTestApp('access_matrix');
const staff = accountsApi(() => context.app.baseUrl);

const CALLERS: Caller[] = ['none', 'customerA', 'customerB', 'teller', 'auditor', 'admin'];

const read = ['teller', 'auditor', 'customer'] as const;
const json = (body: unknown): string => JSON.stringify(body);
const listLeaks =
  (key: (fixture: Fixture) => string) =>
  (body: unknown, fixture: Fixture): boolean =>
    json(body).includes(key(fixture));

/** A fresh account of customer A with `balance` in it. */
async function freshAccountOfA(fixture: Fixture, balance: number): Promise<string> {
  const id = await staff.open('EUR', fixture.customerA);
  if (balance > 0) await staff.deposit(id, balance).expect(201);
  return id;
}

/** A fresh account of customer A with an open hold on it: its path. */
async function freshHoldOfA(fixture: Fixture): Promise<string> {
  const id = await freshAccountOfA(fixture, 100);
  const placed = await staff.placeHold(id, { amount: 10, reason: 'access matrix' }).expect(201);
  return `/accounts/${id}/holds/${(placed.body as { id: string }).id}`;
}

/** A fresh transfer from an account of A, above the approval threshold, awaiting approval. */
async function awaitingApproval(fixture: Fixture): Promise<string> {
  const response = await httpApi(context.app.baseUrl)
    .post('/transfers')
    .send({
      fromAccountId: await freshAccountOfA(fixture, 0),
      toAccountId: fixture.accountB,
      amount: 1_000_001,
    })
    .expect(202);
  return (response.body as { id: string }).id;
}

const ROUTES: Record<string, RouteRow> = {
  // Rows a bounded context keeps beside its routes (`src/<context>/*.access-rows.ts`).
  ...contextAccessRows(),
  'POST /customers': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 201,
    call: () => ({
      path: '/customers',
      body: {
        name: 'New Customer',
        email: 'new@example.com',
        documentNumber: uniqueDocumentNumber(),
      },
    }),
  },
  'GET /customers': {
    allowed: read,
    ownership: { kind: 'list', leaks: listLeaks((f) => f.customerA) },
    success: 200,
    call: () => ({ path: '/customers?limit=200' }),
  },
  'GET /customers/:id': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/customers/${f.customerA}` }),
  },
  'GET /customers/:id/personal-data': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/customers/${f.customerA}/personal-data` }),
  },
  'POST /customers/:id/contact-details': {
    allowed: ['teller', 'customer'],
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({
      path: `/customers/${f.customerA}/contact-details`,
      // A new name each time: an unchanged one records nothing.
      body: { name: `Customer A ${uniqueDocumentNumber()}`, email: 'a@example.com' },
    }),
  },
  'POST /customers/:id/unregister': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 200,
    // A customer with no accounts, so the teller's unregistration succeeds.
    call: async () => {
      const response = await httpApi(context.app.baseUrl)
        .post('/customers')
        .send({ name: 'Leaving', email: 'l@example.com', documentNumber: uniqueDocumentNumber() })
        .expect(201);
      return { path: `/customers/${(response.body as { id: string }).id}/unregister` };
    },
  },
  'POST /customers/:id/erase': {
    allowed: ['teller', 'admin', 'customer'],
    ownership: { kind: 'object' },
    success: 202,
    // A's own erasure is refused while A has accounts (the fixture's); B's is A's object.
    ownerOutcome: 409,
    // Staff erase a fresh customer with no accounts.
    call: async (f, caller) => {
      if (caller === 'customerA' || caller === 'customerB')
        return { path: `/customers/${f.customerA}/erase` };
      const response = await httpApi(context.app.baseUrl)
        .post('/customers')
        .send({ name: 'Erased', email: 'e@example.com', documentNumber: uniqueDocumentNumber() })
        .expect(201);
      return { path: `/customers/${(response.body as { id: string }).id}/erase` };
    },
  },
  'GET /customers/:id/accounts': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/customers/${f.customerA}/accounts` }),
  },
  'POST /accounts': {
    allowed: ['teller', 'customer'],
    ownership: { kind: 'object' },
    success: 201,
    call: (f) => ({ path: '/accounts', body: { customerId: f.customerA, currency: 'EUR' } }),
  },
  'GET /accounts': {
    allowed: read,
    ownership: { kind: 'list', leaks: listLeaks((f) => f.accountA) },
    success: 200,
    call: () => ({ path: '/accounts?limit=200' }),
  },
  'GET /accounts/:id': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/accounts/${f.accountA}` }),
  },
  'GET /accounts/:id/events': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/accounts/${f.accountA}/events` }),
  },
  'GET /accounts/:id/events/:version': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/accounts/${f.accountA}/events/1` }),
  },
  'GET /accounts/:id/balance': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/accounts/${f.accountA}/balance` }),
  },
  'GET /accounts/:id/statement': {
    allowed: ['teller', 'auditor', 'customer'],
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({
      path: `/accounts/${f.accountA}/statement?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z`,
    }),
  },
  'POST /accounts/:id/deposits': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 201,
    call: (f) => ({ path: `/accounts/${f.accountA}/deposits`, body: { amount: 5 } }),
  },
  'POST /accounts/:id/withdrawals': {
    allowed: ['teller', 'customer'],
    ownership: { kind: 'object' },
    success: 201,
    call: async (f) => ({
      path: `/accounts/${await freshAccountOfA(f, 100)}/withdrawals`,
      body: { amount: 1 },
    }),
  },
  'PUT /accounts/:id/overdraft-limit': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 200,
    call: async (f) => ({
      path: `/accounts/${await freshAccountOfA(f, 0)}/overdraft-limit`,
      body: { limit: 1_000, reason: 'access matrix' },
    }),
  },
  'POST /accounts/:id/holds': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 201,
    call: async (f) => ({
      path: `/accounts/${await freshAccountOfA(f, 100)}/holds`,
      body: { amount: 10, reason: 'access matrix' },
    }),
  },
  'GET /accounts/:id/holds/:holdId': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: async (f) => ({ path: await freshHoldOfA(f) }),
  },
  'POST /accounts/:id/holds/:holdId/capture': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 200,
    call: async (f) => ({ path: `${await freshHoldOfA(f)}/capture`, body: {} }),
  },
  'POST /accounts/:id/holds/:holdId/release': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 200,
    call: async (f) => ({ path: `${await freshHoldOfA(f)}/release` }),
  },
  'POST /accounts/:id/close': {
    allowed: ['teller', 'customer'],
    ownership: { kind: 'object' },
    success: 200,
    call: async (f) => ({ path: `/accounts/${await freshAccountOfA(f, 0)}/close` }),
  },
  'POST /transfers': {
    allowed: ['teller', 'customer'],
    ownership: { kind: 'object' },
    success: 202,
    call: async (f) => ({
      path: '/transfers',
      body: { fromAccountId: await freshAccountOfA(f, 100), toAccountId: f.accountB, amount: 1 },
    }),
  },
  'GET /transfers': {
    allowed: read,
    ownership: { kind: 'list', leaks: listLeaks((f) => f.transferA) },
    success: 200,
    call: (f) => ({ path: `/transfers?accountId=${f.accountA}` }),
  },
  'GET /transfers/:id': {
    allowed: read,
    ownership: { kind: 'object' },
    success: 200,
    call: (f) => ({ path: `/transfers/${f.transferA}` }),
  },
  // Four eyes: a fresh transfer above the approval threshold, initiated by the staff token (not
  // the matrix's teller), so the teller's approval or rejection is a second person's.
  'POST /transfers/:id/approve': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 200,
    call: async (f) => ({ path: `/transfers/${await awaitingApproval(f)}/approve` }),
  },
  'POST /transfers/:id/reject': {
    allowed: ['teller'],
    ownership: { kind: 'none' },
    success: 200,
    call: async (f) => ({
      path: `/transfers/${await awaitingApproval(f)}/reject`,
      body: { reason: 'access matrix' },
    }),
  },
  'GET /notifications': {
    allowed: read,
    ownership: { kind: 'list', leaks: listLeaks((f) => f.accountA) },
    success: 200,
    call: (f) => ({ path: `/notifications?accountId=${f.accountA}` }),
  },
  'GET /reports/daily-totals': {
    allowed: ['teller', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/reports/daily-totals?from=2026-01-01&to=2026-12-31' }),
  },
  'GET /compliance/large-transactions': {
    allowed: ['auditor', 'admin'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/compliance/large-transactions' }),
  },
  'GET /audit/verification': {
    allowed: ['auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/audit/verification' }),
  },
  'GET /admin/projections': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/admin/projections' }),
  },
  'GET /admin/projections/:name': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/admin/projections/daily-totals' }),
  },
  // Unknown names and ids: an allowed caller gets past the gate and meets a 404.
  'POST /admin/projections/:name/rebuild': {
    allowed: ['admin'],
    ownership: { kind: 'none' },
    success: 404,
    call: () => ({ path: '/admin/projections/no-such-projection/rebuild' }),
  },
  'POST /admin/projections/:name/retry': {
    allowed: ['admin'],
    ownership: { kind: 'none' },
    success: 404,
    call: () => ({ path: '/admin/projections/no-such-projection/retry' }),
  },
  'GET /admin/outbox': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/admin/outbox' }),
  },
  'POST /admin/outbox/dead-letters/:id/retry': {
    allowed: ['admin'],
    ownership: { kind: 'none' },
    success: 404,
    call: () => ({ path: '/admin/outbox/dead-letters/1/retry' }),
  },
  'GET /admin/runtime': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/admin/runtime' }),
  },
  'GET /metrics': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/metrics' }),
  },
  'GET /admin/process-commands': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/admin/process-commands?status=pending,parked' }),
  },
  'POST /admin/process-commands/:id/retry': {
    allowed: ['admin'],
    ownership: { kind: 'none' },
    success: 404,
    call: () => ({ path: '/admin/process-commands/00000000-0000-4000-8000-000000000000/retry' }),
  },
  'GET /admin/process-deadlines': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/admin/process-deadlines' }),
  },
  'GET /admin/transfers/stuck': {
    allowed: ['admin', 'auditor'],
    ownership: { kind: 'none' },
    success: 200,
    call: () => ({ path: '/admin/transfers/stuck?olderThanSeconds=0' }),
  },
};

/**
 * Routes anyone may call: probes, the issuer's keys, the API docs, and the operations console's
 * page, script and styles (no data: the page calls the admin routes with the user's token).
 */
const PUBLIC_ROUTES = new Set([
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'GET /auth/jwks.json',
  'GET /ops',
  'GET /ops/console.js',
  'GET /ops/console.css',
]);
const isDocsRoute = (route: string): boolean => / \/docs(-json|-yaml|\/|$)/.test(route);

/** The routes Express serves for this app, as `METHOD /path`. */
function servedRoutes(): string[] {
  const express = context.app.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  // Nest mounts a module's middleware, should one be added, as a route on every path,
  // `{/*splat}`: it answers nothing itself, so it is not an endpoint.
  const MIDDLEWARE_MOUNT = '{/*splat}';
  return express.router.stack.flatMap((layer) =>
    layer.route && layer.route.path !== MIDDLEWARE_MOUNT
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${layer.route!.path}`)
      : [],
  );
}

function rolesOf(caller: Caller): Role[] {
  switch (caller) {
    case 'customerA':
    case 'customerB':
      return ['customer'];
    case 'none':
      return [];
    default:
      return [caller];
  }
}

/** The status a caller must get: the whole policy in one function. */
function expectedStatus(row: RouteRow, caller: Caller): number {
  if (caller === 'none') return 401;
  if (!rolesOf(caller).some((role) => row.allowed.includes(role))) return 403;
  if (caller === 'customerB' && row.ownership.kind === 'object') return 404;
  if (caller === 'customerA' && row.ownerOutcome !== undefined) return row.ownerOutcome;
  return row.success;
}

const SUBJECTS: Record<Caller, string> = {
  none: 'nobody',
  customerA: 'matrix-customer-a',
  customerB: 'matrix-customer-b',
  teller: 'matrix-teller',
  auditor: 'matrix-auditor',
  admin: 'matrix-admin',
};

let fixture: Fixture;
let tokens: Record<Exclude<Caller, 'none'>, string>;

/** Events a caller caused (each caller has its own subject); background work never counts. */
const eventsBy = async (caller: Caller): Promise<number> => {
  const [row] = await context.database.dataSource.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM es_events WHERE metadata->>'actor' = $1`,
    [`user:${SUBJECTS[caller]}`],
  );
  return row.n;
};

beforeAll(async () => {
  const customerA = await staff.customer();
  const customerB = await registerAnother();
  const accountA = await staff.open('EUR', customerA);
  const accountB = await staff.open('EUR', customerB);
  const accountC = await staff.open('EUR', await registerAnother());
  await staff.deposit(accountA, 1_000).expect(201);
  await staff.withdraw(accountA, 1).expect(201);
  const transfer = await httpApi(context.app.baseUrl)
    .post('/transfers')
    .send({ fromAccountId: accountA, toAccountId: accountC, amount: 1 })
    .expect(202);
  fixture = {
    customerA,
    customerB,
    accountA,
    accountB,
    transferA: (transfer.body as { id: string }).id,
  };
  // The list routes read projections: wait until they show A's objects to the staff, so a
  // customer's empty list proves filtering, not lag.
  const staffHttp = () => httpApi(context.app.baseUrl);
  await eventually(async () => {
    for (const [path, id] of [
      ['/customers?limit=200', customerA],
      ['/accounts?limit=200', accountA],
      [`/transfers?accountId=${accountA}`, fixture.transferA],
    ]) {
      expect(json((await staffHttp().get(path).expect(200)).body)).toContain(id);
    }
  });
  tokens = {
    customerA: await mintToken({
      roles: ['customer'],
      customerId: customerA,
      subject: SUBJECTS.customerA,
    }),
    customerB: await mintToken({
      roles: ['customer'],
      customerId: customerB,
      subject: SUBJECTS.customerB,
    }),
    teller: await mintToken({ roles: ['teller'], subject: SUBJECTS.teller }),
    auditor: await mintToken({ roles: ['auditor'], subject: SUBJECTS.auditor }),
    admin: await mintToken({ roles: ['admin'], subject: SUBJECTS.admin }),
  };
});

async function registerAnother(): Promise<string> {
  const response = await httpApi(context.app.baseUrl)
    .post('/customers')
    .send({ name: 'Other', email: 'o@example.com', documentNumber: uniqueDocumentNumber() })
    .expect(201);
  return (response.body as { id: string }).id;
}

describe('every served route has a policy and a row in this matrix', () => {
  it('lists each route the app serves here, or as public', () => {
    const unknown = servedRoutes().filter(
      (route) => !(route in ROUTES) && !PUBLIC_ROUTES.has(route) && !isDocsRoute(route),
    );
    expect(unknown).toEqual([]);
    expect(Object.keys(ROUTES).filter((route) => !servedRoutes().includes(route))).toEqual([]);
  });

  it('every controller method declares @Public() or @Allow(...)', () => {
    const modules = context.app.app.get(ModulesContainer);
    const reflector = context.app.app.get(Reflector);
    const scanner = new MetadataScanner();
    const undeclared: string[] = [];
    const controllers = [...modules.values()].flatMap((module) => [...module.controllers.values()]);
    expect(controllers.length).toBeGreaterThanOrEqual(10);
    for (const wrapper of controllers) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!type || !wrapper.instance) continue;
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
      for (const method of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method] as (...args: unknown[]) => unknown;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const policy = reflector.getAllAndOverride<unknown>(ACCESS_POLICY, [handler, type]);
        if (!policy) undeclared.push(`${type.name}.${method}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});

describe.each(Object.entries(ROUTES))('%s', (route, row) => {
  const method = route.split(' ')[0].toLowerCase() as 'get' | 'post' | 'put';

  it.each(CALLERS)('as %s', async (caller) => {
    const expected = expectedStatus(row, caller);
    const { path, body } = await row.call(fixture, caller);
    const before = await eventsBy(caller);
    let pending = request(context.app.baseUrl)[method](path);
    if (caller !== 'none') pending = pending.set('Authorization', `Bearer ${tokens[caller]}`);
    const response = await (body ? pending.send(body) : pending);
    expect({ caller, status: response.status, body: response.body as unknown }).toMatchObject({
      caller,
      status: expected,
    });
    if (expected >= 400) {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      // A refused call leaves the book of record as it was.
      expect(await eventsBy(caller)).toBe(before);
    } else if (method !== 'get') {
      // An allowed write is recorded with its caller as the actor.
      expect(await eventsBy(caller)).toBeGreaterThan(before);
    }
    if (expected === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    if (caller === 'customerB' && row.ownership.kind === 'list')
      expect(row.ownership.leaks(response.body, fixture)).toBe(false);
    // The owner's list shows the owner's objects (notices arrive asynchronously: not checked).
    if (caller === 'customerA' && row.ownership.kind === 'list' && route !== 'GET /notifications')
      expect(row.ownership.leaks(response.body, fixture)).toBe(true);
  });
});

describe('the OpenAPI document', () => {
  it('documents bearer auth, 401, 403 and the allowed roles on every protected operation', async () => {
    const document = (await httpApi(context.app.baseUrl).get('/docs-json').expect(200)).body as {
      components: { securitySchemes: Record<string, { scheme?: string }> };
      paths: Record<
        string,
        Record<
          string,
          {
            security?: Record<string, unknown>[];
            responses: Record<string, { description?: string }>;
            'x-allowed-roles'?: string[];
          }
        >
      >;
    };
    expect(document.components.securitySchemes.bearer).toMatchObject({ scheme: 'bearer' });
    for (const [route, row] of Object.entries(ROUTES)) {
      const [method, path] = route.split(' ');
      const openApiPath = path.replace(/:(\w+)/g, '{$1}');
      const operation = document.paths[openApiPath]?.[method.toLowerCase()];
      expect({ route, documented: operation !== undefined }).toEqual({ route, documented: true });
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      expect(operation['x-allowed-roles']).toEqual([...row.allowed]);
      expect(operation.responses['403'].description).toContain(row.allowed.join(', '));
    }
  });
});
