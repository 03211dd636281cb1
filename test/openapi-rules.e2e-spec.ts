import SwaggerParser from '@apidevtools/swagger-parser';
import { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_CATALOGUE, isErrorCode } from '../src/common/errors/error-catalogue';
import { httpApi } from './support/api';
import { useTestApp } from './support/test-app';

/**
 * The published document (/docs-json) as a product: valid OpenAPI, and for every operation
 * the rules a client generator and a reader rely on.
 */
const context = useTestApp('openapi_rules');

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Schema = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The verbs an operationId may start with: each reads as what the call does. */
const VERBS = [
  'get',
  'list',
  'create',
  'open',
  'close',
  'deposit',
  'withdraw',
  'register',
  'unregister',
  'change',
  'erase',
  'export',
  'initiate',
  'approve',
  'reject',
  'retry',
  'rebuild',
  'check',
  'scrape',
  'set',
  'place',
  'capture',
  'release',
];

/** Money in minor units: an integer, or (sums) a decimal string. */
const MONEY = new Set(['amount', 'balance']);
/** Versions and counts: integers. */
const WHOLE = new Set([
  'version',
  'streamVersion',
  'schemaVersion',
  'count',
  'attempts',
  'pending',
  'parked',
  'deadLettered',
  'openAccounts',
  'parkedCommands',
  'pendingCommands',
  'ageMs',
  'events',
  'ms',
  'batchesAppliedHere',
  'limit',
  'fromVersion',
  'olderThanSeconds',
]);

let document: OpenAPIObject;
let operations: { name: string; method: string; path: string; operation: Operation }[];

beforeAll(async () => {
  document = (await httpApi(context.app.baseUrl).get('/docs-json').expect(200))
    .body as OpenAPIObject;
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation
        ? [{ name: `${method.toUpperCase()} ${path}`, method, path, operation }]
        : [];
    }),
  );
});

const resolve = (schema: Schema): Schema => {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  return (document.components?.schemas?.[name] ?? {}) as Schema;
};

/** Every schema object in the document, with where it is, for the type rules. */
function* schemasOf(value: unknown, where: string): Generator<[string, Schema]> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* schemasOf(item, `${where}[${index}]`);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Schema;
    if ('type' in record || '$ref' in record || 'allOf' in record) yield [where, record];
    for (const [key, child] of Object.entries(record)) {
      // Examples are data, not schemas.
      if (key === 'example' || key === 'examples') continue;
      yield* schemasOf(child, `${where}.${key}`);
    }
  }
}

it('is a valid OpenAPI document (swagger-parser)', async () => {
  // validate() dereferences in place: it gets a copy.
  await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
});

it('every operationId is a verb-first camelCase name, unique', () => {
  const ids = operations.map(({ operation }) => operation.operationId ?? '');
  expect(new Set(ids).size).toBe(ids.length);
  for (const { name, operation } of operations) {
    const id = operation.operationId ?? '';
    expect([name, id]).toEqual([name, expect.stringMatching(/^[a-z]+[A-Za-z]*$/)]);
    const verb = /^[a-z]+/.exec(id)?.[0] ?? '';
    expect([name, VERBS.includes(verb)]).toEqual([name, true]);
  }
});

it('every error response has an example per code, each a problem of that status, none shared between statuses', () => {
  for (const { name, operation } of operations) {
    const seen = new Map<string, string>();
    const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
    expect([name, errors.some(([status]) => status === '500')]).toEqual([name, true]);
    for (const [status, response] of errors) {
      const content = (response as { content?: Record<string, { examples?: object }> }).content;
      const examples = Object.entries(content?.['application/problem+json']?.examples ?? {});
      expect([name, status, examples.length > 0]).toEqual([name, status, true]);
      for (const [code, example] of examples) {
        const value = (example as { value: Record<string, unknown> }).value;
        expect([name, status, code, value.status]).toEqual([name, status, code, Number(status)]);
        expect(value.code).toBe(code);
        expect(isErrorCode(code) && ERROR_CATALOGUE[code].status).toBe(Number(status));
        expect(value).toMatchObject({
          type: `urn:ledgerline:problem:${code.toLowerCase().replace(/_/g, '-')}`,
          title: isErrorCode(code) ? ERROR_CATALOGUE[code].title : '',
          detail: expect.any(String),
          instance: expect.stringMatching(/^\//),
        });
        const text = JSON.stringify(value);
        expect([name, status, seen.get(text) ?? status]).toEqual([name, status, status]);
        seen.set(text, status);
      }
    }
  }
});

it('every operation behind a token documents 401, 403, 429 and 503 (issuer down) besides its own errors', () => {
  const guarded = operations.filter(({ operation }) => (operation.security ?? []).length > 0);
  expect(guarded.length).toBeGreaterThan(20);
  for (const { name, operation } of guarded) {
    expect([name, Object.keys(operation.responses)]).toEqual([
      name,
      expect.arrayContaining(['401', '403', '429', '503']),
    ]);
  }
});

it('the problem schema lists VALIDATION_FAILED errors as {field, messages} objects', () => {
  const problem = resolve({ $ref: '#/components/schemas/ProblemDetailsDto' });
  const errors = (problem.properties as Record<string, Schema>).errors;
  const item = resolve(errors.items as Schema);
  expect(item).toMatchObject({
    type: 'object',
    properties: { field: { type: 'string' }, messages: { type: 'array' } },
  });
});

it('no number is documented as `number`; money, versions and counts are integers', () => {
  for (const [where, schema] of schemasOf(document, '#')) {
    expect([where, schema.type]).not.toEqual([where, 'number']);
    const property = where.split('.').pop() ?? '';
    if (!where.includes('.properties.')) continue;
    if (WHOLE.has(property)) expect([where, schema.type]).toEqual([where, 'integer']);
    if (MONEY.has(property)) {
      if (schema.type === 'integer') expect([where, schema.format]).toEqual([where, 'int64']);
      else expect([where, schema.type, schema.pattern]).toEqual([where, 'string', '^[0-9]+$']);
    }
  }
  // Parameters too (limit, fromVersion, olderThanSeconds).
  for (const { name, operation } of operations) {
    for (const parameter of operation.parameters ?? []) {
      if (!('name' in parameter) || !WHOLE.has(parameter.name)) continue;
      expect([name, parameter.name, (parameter.schema as Schema | undefined)?.type]).toEqual([
        name,
        parameter.name,
        'integer',
      ]);
    }
  }
});

it('every 201 and 202 documents a required Location header', () => {
  let found = 0;
  for (const { name, operation } of operations) {
    for (const status of ['201', '202']) {
      const response = operation.responses[status] as
        { headers?: Record<string, { required?: boolean }> } | undefined;
      if (!response) continue;
      found++;
      expect([name, status, response.headers?.Location?.required]).toEqual([name, status, true]);
    }
  }
  expect(found).toBeGreaterThanOrEqual(10);
});

it('415 is documented on every POST (the body middleware refuses what is not JSON)', () => {
  for (const { name, method, operation } of operations) {
    if (method !== 'post' && !operation.requestBody) continue;
    expect([name, Object.keys(operation.responses)]).toEqual([
      name,
      expect.arrayContaining(['415']),
    ]);
  }
});

it('reads that send an ETag document it, If-None-Match and 304', () => {
  const versioned = operations.filter(
    ({ operation }) =>
      (operation.responses['200'] as { headers?: object } | undefined)?.headers !== undefined &&
      'ETag' in ((operation.responses['200'] as { headers: object }).headers ?? {}),
  );
  // These at least (a context may add its own versioned reads); each as the rule says.
  expect(versioned.map(({ name }) => name)).toEqual(
    expect.arrayContaining(['GET /accounts/{id}', 'GET /customers/{id}']),
  );
  for (const { name, operation } of versioned) {
    expect([name, Object.keys(operation.responses)]).toEqual([
      name,
      expect.arrayContaining(['304']),
    ]);
    expect(
      (operation.parameters ?? []).some(
        (parameter) => 'name' in parameter && parameter.name === 'If-None-Match',
      ),
    ).toBe(true);
  }
});

it('every list answers {items, nextCursor}; no operation answers a bare array', () => {
  let lists = 0;
  for (const { name, operation } of operations) {
    const ok = operation.responses['200'] as
      { content?: Record<string, { schema?: Schema }> } | undefined;
    const schema = ok?.content?.['application/json']?.schema;
    if (!schema) continue;
    expect([name, schema.type]).not.toEqual([name, 'array']);
    const properties = (resolve(schema).properties ?? {}) as Record<string, Schema>;
    if (!('items' in properties)) continue;
    lists++;
    expect([name, properties.items.type]).toEqual([name, 'array']);
    expect([name, properties.nextCursor]).toEqual([
      name,
      expect.objectContaining({ type: 'string', nullable: true }),
    ]);
  }
  expect(lists).toBeGreaterThanOrEqual(11);
});

it("the projections' rebuild is nullable (null whenever no rebuild runs)", () => {
  const view = resolve({ $ref: '#/components/schemas/ProjectionViewDto' });
  expect((view.properties as Record<string, Schema>).rebuild).toMatchObject({
    type: 'object',
    nullable: true,
  });
});
