import request from 'supertest';
import { loadAppConfig } from '../src/config/app-config';
import { startTestApp, TestApp, useTestApp } from './support/test-app';

const LISTED = 'https://bank.example';
const UNLISTED = 'https://elsewhere.example';

// CORS_ORIGINS unset: the default, CORS off.
const context = useTestApp('cors');

/** A browser's preflight for a JSON POST with a bearer token; it carries no token itself. */
const preflight = (baseUrl: string, origin: string) =>
  request(baseUrl)
    .options('/accounts')
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');

describe('CORS_ORIGINS unset', () => {
  it('grants no origin, not even on a preflight', async () => {
    const response = await preflight(context.app.baseUrl, LISTED);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const read = await request(context.app.baseUrl).get('/health').set('Origin', LISTED);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS_ORIGINS=https://bank.example', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(context.database, { CORS_ORIGINS: LISTED });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers a preflight for POST /accounts from the listed origin itself, without a token', async () => {
    const response = await preflight(app.baseUrl, LISTED);
    // 204 with an empty body from the cors middleware: the request reached no route, guard
    // or filter, any of which would answer a tokenless request with problem+json instead.
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(response.headers['content-type']).toBeUndefined();
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': LISTED,
      'access-control-allow-methods': 'GET,POST,PUT,OPTIONS',
      'access-control-allow-headers':
        'Authorization,Content-Type,Idempotency-Key,If-Match,X-Min-Position,X-Correlation-Id,X-Request-Id',
      'access-control-max-age': '600',
    });
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('lets the listed origin read why the real, tokenless POST was refused', async () => {
    // The request the preflight announced, sent without a token: this one does meet the
    // app's checks and is refused, and the CORS headers let the browser script see why.
    const response = await request(app.baseUrl).post('/accounts').set('Origin', LISTED).send({});
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['access-control-allow-origin']).toBe(LISTED);
  });

  it('grants an unlisted origin nothing', async () => {
    const response = await preflight(app.baseUrl, UNLISTED);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const read = await request(app.baseUrl).get('/health').set('Origin', UNLISTED);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a script on the listed origin read the response and its headers', async () => {
    const response = await request(app.baseUrl).get('/health').set('Origin', LISTED);
    expect(response.headers['access-control-allow-origin']).toBe(LISTED);
    const exposed = String(response.headers['access-control-expose-headers']).split(',');
    expect(exposed).toEqual(
      expect.arrayContaining([
        'ETag',
        'Location',
        'Retry-After',
        'Idempotent-Replayed',
        'X-Request-Id',
        'X-Correlation-Id',
      ]),
    );
  });

  it('grants nothing to a request without an Origin (same-origin or not from a browser)', async () => {
    const response = await request(app.baseUrl).get('/health');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS_ORIGINS is checked at start-up', () => {
  const origins = (value: string) => loadAppConfig({ CORS_ORIGINS: value }).corsOrigins;

  it('reads a comma-separated list, trimming blanks and repeats', () => {
    expect(origins('')).toEqual([]);
    expect(origins(' https://bank.example , http://localhost:5173,,https://bank.example ')).toEqual(
      ['https://bank.example', 'http://localhost:5173'],
    );
  });

  it.each([
    ['https://bank.example/', 'use "https://bank.example"'],
    ['https://bank.example/app', 'use "https://bank.example"'],
    ['https://Bank.Example', 'use "https://bank.example"'],
    ['https://bank.example:443', 'use "https://bank.example"'],
    ['bank.example', 'is not an http(s) origin'],
    ['*', 'is not an http(s) origin'],
    ['null', 'is not an http(s) origin'],
    ['ftp://bank.example', 'is not an http(s) origin'],
  ])('refuses %s, naming the entry', (value, message) => {
    expect(() => origins(value)).toThrow(`CORS_ORIGINS entry "${value}"`);
    expect(() => origins(value)).toThrow(message);
  });
});
