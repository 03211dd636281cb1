import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { findChromium } from './support/chromium';
import { startTestApp, TestApp } from './support/test-app';
import { openTestDatabase, TestDatabase } from './support/test-database';

/**
 * Swagger UI as a browser sees it over plain HTTP from another machine. Chromium counts
 * localhost and 127.0.0.1 as trustworthy and upgrades no request to them, so opened there the
 * page renders even under upgrade-insecure-requests; it is opened by another name instead.
 */

/** A host other than localhost that reaches this machine: a network address, else its name. */
async function nonLocalhostHost(): Promise<{ urlHost: string; listenAddress: string }> {
  for (const addresses of Object.values(networkInterfaces())) {
    const ipv4 = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (ipv4) return { urlHost: ipv4.address, listenAddress: ipv4.address };
  }
  const name = hostname();
  if (name && name !== 'localhost' && !name.endsWith('.localhost')) {
    const { address } = await lookup(name, { family: 4 }).catch(() => ({ address: '' }));
    if (address) return { urlHost: name, listenAddress: address };
  }
  throw new Error(
    'no non-loopback IPv4 address and no host name (other than localhost) that resolves: ' +
      'the Swagger UI check needs one to open the page the way a remote browser would',
  );
}

/** The DOM after the page's scripts ran, as headless Chromium serialises it. */
function renderedDom(url: string): Promise<string> {
  const binary = findChromium();
  // A profile of its own, so parallel runs never meet Chromium's single-instance lock.
  const profile = mkdtempSync(join(tmpdir(), 'ledgerline-chromium-'));
  return new Promise<string>((resolve, reject) => {
    execFile(
      binary,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        `--user-data-dir=${profile}`,
        '--virtual-time-budget=10000',
        '--dump-dom',
        url,
      ],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        rmSync(profile, { recursive: true, force: true });
        if (error) reject(new Error(`${binary} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

let database: TestDatabase;
let app: TestApp;
let origin: string;

beforeAll(async () => {
  database = await openTestDatabase('browser_docs');
  const { urlHost, listenAddress } = await nonLocalhostHost();
  app = await startTestApp(database, {}, listenAddress);
  origin = `http://${urlHost}:${new URL(app.baseUrl).port}`;
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe('Swagger UI over plain HTTP, opened by a non-localhost host', () => {
  it('keeps helmet’s CSP except upgrade-insecure-requests', async () => {
    const response = await request(origin).get('/docs').expect(200);
    const directives = String(response.headers['content-security-policy']).split(';');
    expect(directives).not.toContain('upgrade-insecure-requests');
    expect(directives).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "script-src 'self'",
        "script-src-attr 'none'",
        "object-src 'none'",
        "frame-ancestors 'self'",
      ]),
    );
  });

  it('renders the API’s operations in a real browser (a blank page has none)', async () => {
    const dom = await renderedDom(`${origin}/docs`);
    // Facts rather than the whole DOM, so a failure reads at a glance.
    expect({
      page: dom.includes('id="swagger-ui"'),
      title: /class="title">\s*Ledgerline\b/.test(dom),
      operations: (dom.match(/class="opblock opblock-(get|post)\b/g) ?? []).length > 0,
      openAccount:
        dom.includes('class="opblock opblock-post') && dom.includes('data-path="/accounts"'),
      // The bearer scheme gives the page its Authorize button (and each operation a lock).
      authorize: /class="btn authorize\b/.test(dom),
    }).toEqual({ page: true, title: true, operations: true, openAccount: true, authorize: true });
  }, 90_000);
});
