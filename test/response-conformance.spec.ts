import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { OpenAPIObject } from '@nestjs/swagger';
import { ResponseConformance } from './support/response-conformance';

/** A one-operation document: GET /things/{id} answers a thing (200) or a problem (404). */
const DOCUMENT = {
  openapi: '3.0.0',
  info: { title: 'test', version: '1' },
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'getThing',
        responses: {
          '200': {
            description: 'the thing',
            headers: { ETag: { required: true, schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '404': {
            description: 'no thing',
            content: { 'application/problem+json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'count', 'next'],
        properties: {
          id: { type: 'string' },
          count: { type: 'integer' },
          next: { type: 'string', nullable: true },
        },
      },
    },
  },
} as unknown as OpenAPIObject;

/** Each path answers as the test says. */
const answers: Record<string, (response: ServerResponse) => void> = {};
let server: Server;
let baseUrl: string;
let conformance: ResponseConformance;

beforeEach(async () => {
  conformance = new ResponseConformance();
  server = createServer((request, response) => answers[request.url ?? '']?.(response));
  conformance.attach(server);
  conformance.use(DOCUMENT);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => new Promise((resolve) => server.close(resolve)));

const json =
  (status: number, type: string, body: unknown, headers: Record<string, string> = {}) =>
  (response: ServerResponse) => {
    // As Express does: setHeader, which getHeader sees (writeHead's own headers it does not).
    for (const [name, value] of Object.entries({ 'Content-Type': type, ...headers }))
      response.setHeader(name, value);
    response.statusCode = status;
    response.end(JSON.stringify(body));
  };

async function get(path: string, answer: (response: ServerResponse) => void): Promise<void> {
  answers[path] = answer;
  await (await fetch(`${baseUrl}${path}`)).arrayBuffer();
  // The check runs on 'finish', right after the last byte is handed to the socket.
  await new Promise((resolve) => setImmediate(resolve));
}

const ok = { id: 'a', count: 2, next: null };

it('lets documented answers through', async () => {
  await get('/things/a', json(200, 'application/json; charset=utf-8', ok, { ETag: '"1"' }));
  await get('/things/b', json(404, 'application/problem+json', { code: 'NOT_FOUND' }));
  await get('/elsewhere', json(500, 'text/plain', 'not an operation'));
  expect(() => conformance.assertConforming()).not.toThrow();
});

it.each([
  ['an undocumented status', json(409, 'application/problem+json', {}), /status not documented/],
  [
    'an undocumented content type',
    json(404, 'application/json', { code: 'NOT_FOUND' }),
    /content type application\/json not documented/,
  ],
  [
    'a body that breaks its schema (a string where an integer is)',
    json(200, 'application/json', { ...ok, count: '2' }, { ETag: '"1"' }),
    /count/,
  ],
  [
    'an object where a nullable string is',
    json(200, 'application/json', { ...ok, next: {} }, { ETag: '"1"' }),
    /next/,
  ],
  ['a missing required header', json(200, 'application/json', ok), /required header ETag/],
])('fails on %s', async (_, answer, message) => {
  await get('/things/a', answer);
  expect(() => conformance.assertConforming()).toThrow(message);
});
