import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import request from 'supertest';
import { httpApi } from './support/api';
import { accountsApi } from './support/accounts-api';
import { findChromium } from './support/chromium';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { openTestDatabase, TestDatabase } from './support/test-database';
import { mintToken } from './support/tokens';
import { blockCreditsTo, transfersApi } from './support/transfers-api';

/*
 * The operations console in a real headless Chromium, under the app's own Content-Security-
 * Policy: an operator pastes a token, sees a parked projection and a parked process command
 * (with the transfer waiting on it), presses their Retry buttons and watches both recover.
 * Every wait is generous and asserts what the page shows, never how fast it showed it.
 */

/** What the callbacks passed to the page use of its globals (they run in the browser). */
declare const document: { querySelector(css: string): { textContent: string | null } | null };

const WAIT_MS = 30_000;
const MAX_ATTEMPTS = 2;

let database: TestDatabase;
let app: TestApp;
let browser: Browser;
let profile: string;

interface ProjectionRow {
  name: string;
  status: string;
  lastError: string | null;
}

const admin = () => httpApi(app.baseUrl);

const projection = async (name: string): Promise<ProjectionRow> =>
  (
    (await admin().get('/admin/projections').expect(200)).body as { items: ProjectionRow[] }
  ).items.find((row) => row.name === name)!;

/** Parks daily-totals for real: its table refuses writes until the trigger is dropped. */
async function parkDailyTotals(accountId: string): Promise<void> {
  const { dataSource } = database;
  await dataSource.query(`
    CREATE FUNCTION refuse_daily_totals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'daily_totals is refusing writes (fault injected by the test)'; END $$`);
  await dataSource.query(`
    CREATE TRIGGER refuse_daily_totals BEFORE INSERT OR UPDATE ON daily_totals
    FOR EACH ROW EXECUTE FUNCTION refuse_daily_totals()`);
  try {
    await accountsApi(app.baseUrl).deposit(accountId, 1).expect(201);
    await eventually(
      async () => expect(await projection('daily-totals')).toMatchObject({ status: 'parked' }),
      WAIT_MS,
    );
  } finally {
    await dataSource.query('DROP TRIGGER refuse_daily_totals ON daily_totals');
    await dataSource.query('DROP FUNCTION refuse_daily_totals()');
  }
}

/** Starts a transfer whose credit fails until it is parked; returns both ids. */
async function parkACredit(
  from: string,
  to: string,
): Promise<{ transferId: string; commandId: string }> {
  const block = await blockCreditsTo(database.dataSource, database.schema, to);
  try {
    const { id } = await transfersApi(app.baseUrl).start(from, to, 200);
    let commandId = '';
    await eventually(async () => {
      const body = (await admin().get('/admin/process-commands').expect(200)).body as {
        items: { id: string; processId: string }[];
      };
      const parked = body.items.find((command) => command.processId === id);
      expect(parked).toBeDefined();
      commandId = parked!.id;
    }, WAIT_MS);
    return { transferId: id, commandId };
  } finally {
    await block.release();
  }
}

/** Waits until the element at `selector` exists and its text contains every one of `texts`. */
async function waitForText(page: Page, selector: string, ...texts: string[]): Promise<void> {
  await page.waitForFunction(
    (css: string, wanted: string[]) => {
      const text = document.querySelector(css)?.textContent ?? '';
      return wanted.every((part) => text.includes(part));
    },
    { timeout: WAIT_MS, polling: 100 },
    selector,
    texts,
  );
}

async function waitForGone(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (css: string) => document.querySelector(css) === null,
    {
      timeout: WAIT_MS,
      polling: 100,
    },
    selector,
  );
}

/** Presses a button the way a user does; the locator retries if a refresh replaced it. */
async function press(page: Page, selector: string): Promise<void> {
  await page.locator(selector).setTimeout(WAIT_MS).click();
}

beforeAll(async () => {
  database = await openTestDatabase('ops_console');
  app = await startTestApp(database, {
    PROCESS_COMMAND_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    // Far away: the transfer must wait for the operator, not be compensated meanwhile.
    TRANSFER_CREDIT_TIMEOUT_MS: '3600000',
  });
  // A profile of its own, so parallel runs never meet Chromium's single-instance lock.
  profile = mkdtempSync(join(tmpdir(), 'ledgerline-ops-chromium-'));
  browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await app?.close();
  await database?.close();
});

describe('the operations console', () => {
  it('is a public shell under the CSP: script from this origin, no data without a token', async () => {
    const page = await request(app.baseUrl).get('/ops').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(String(page.headers['content-security-policy']).split(';')).toEqual(
      expect.arrayContaining(["script-src 'self'", "script-src-attr 'none'"]),
    );
    const script = await request(app.baseUrl).get('/ops/console.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    await request(app.baseUrl)
      .get('/ops/console.css')
      .expect('Content-Type', /^text\/css/);
    // The data behind it still needs the admin (or auditor) role.
    await request(app.baseUrl).get('/admin/process-commands').expect(401);
  });

  it('shows a parked projection and a parked command; their Retry buttons bring both back', async () => {
    const accounts = accountsApi(app.baseUrl);
    const from = await accounts.open();
    await accounts.deposit(from, 500).expect(201);
    const to = await accounts.open();
    await eventually(
      async () => expect(await projection('daily-totals')).toMatchObject({ status: 'running' }),
      WAIT_MS,
    );
    await parkDailyTotals(from);
    const { transferId, commandId } = await parkACredit(from, to);

    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error')
        violations.push(`${message.text()} ${message.location().url ?? ''}`.trim());
    });
    page.on('pageerror', (error) => violations.push(String(error)));
    await page.goto(`${app.baseUrl}/ops`, { waitUntil: 'domcontentloaded' });

    // Sign in with an admin + auditor token, as the page tells how to mint one.
    await waitForText(page, '#sign-in', 'npm run --silent token -- --role admin --role auditor');
    await page
      .locator('#token')
      .setTimeout(WAIT_MS)
      .fill(await mintToken({ roles: ['admin', 'auditor'], subject: 'ops-console' }));
    await press(page, '#token-form button[type="submit"]');
    await waitForText(page, '#whoami', 'ops-console', 'admin, auditor');

    // Both faults, as the operator sees them.
    const projectionRow = '[data-projection="daily-totals"]';
    await waitForText(page, `${projectionRow} .state`, 'parked');
    await waitForText(page, projectionRow, 'daily_totals is refusing writes');
    const commandRow = `[data-command="${commandId}"]`;
    await waitForText(page, `${commandRow} .state`, 'parked');
    await waitForText(page, commandRow, 'TransferStepCommand credit', 'are blocked');
    await waitForText(page, '#process-summary', 'parked: 1');
    await waitForText(page, `[data-deadline="${transferId}/credit"]`, 'credit');
    await waitForText(page, '#outbox-summary', 'Pending:', 'dead letters: 0');

    // The transfer waits on it: shown once the threshold allows, with its details.
    await page.locator('#stuck-after').setTimeout(WAIT_MS).fill('0');
    const transferRow = `[data-transfer="${transferId}"]`;
    await waitForText(page, transferRow, 'CREDITING', '1 parked');
    await press(page, `${transferRow} button[data-action="show-transfer"]`);
    await waitForText(page, '#transfer-details-body', '"status": "PENDING"');

    // The token is kept for the tab: a reload stays signed in.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForText(page, `${projectionRow} .state`, 'parked');

    await press(page, `${projectionRow} button[data-action="retry-projection"]`);
    await waitForText(page, '#status', 'Retry of projection daily-totals: accepted (202)');
    await waitForText(page, `${projectionRow} .state`, 'running');

    await page.locator('#stuck-after').setTimeout(WAIT_MS).fill('0');
    await press(page, `${transferRow} button[data-action="show-transfer"]`);
    await press(page, `${commandRow} button[data-action="retry-command"]`);
    await waitForText(page, '#status', 'accepted (202)');
    await waitForGone(page, commandRow);
    await waitForText(page, '#process-summary', 'parked: 0');
    // The details follow the transfer as the page refreshes.
    await waitForText(page, '#transfer-details-body', '"status": "COMPLETED"');
    await waitForGone(page, transferRow);

    // The API agrees with the page.
    expect(await transfersApi(app.baseUrl).get(transferId)).toMatchObject({ status: 'COMPLETED' });
    expect(await projection('daily-totals')).toMatchObject({ status: 'running', lastError: null });
    // Nothing the page did was refused by the browser (CSP) or threw.
    expect(violations).toEqual([]);
    await page.close();
  }, 150_000);
});
