import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAPIObject } from '@nestjs/swagger';
import { ClientWorkspace } from './support/generated-client';
import { useTestApp } from './support/test-app';
import { mintToken } from './support/tokens';

/**
 * A client generated from the published document (/docs-json) by openapi-typescript, used
 * with openapi-fetch, makes the README tour's calls: the example program
 * (docs/examples/typed-client-tour.ts) and the example of docs/api.md type-check strictly
 * against the generated types (so a document whose routes, parameters or shapes do not fit
 * the calls fails here), and the program then runs against the app and leaves the balances
 * and the history its calls add up to.
 */
const context = useTestApp('openapi_client');

const ROOT = join(__dirname, '..');
const TOUR = join(ROOT, 'docs', 'examples', 'typed-client-tour.ts');
/** The name the example programs import the generated types by (`./ledgerline-api.js`). */
const TYPES = 'ledgerline-api.d.ts';

/** What the tour client moves, in minor units. */
const DEPOSIT = 10000;
const WITHDRAWAL = 2500;
const TRANSFER = 3000;

/** docs/api.md's typed-client example: the ```ts block after its `typed-client` marker. */
function apiDocExample(): string {
  const text = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const match = /<!-- typed-client:[\s\S]*?-->\n+```ts\n([\s\S]*?)\n```/.exec(text);
  if (!match) throw new Error('docs/api.md has no <!-- typed-client: … --> example');
  return match[1];
}

/** A folder with the types generated from `document` and the two example programs. */
async function clientOf(document: OpenAPIObject): Promise<ClientWorkspace> {
  const workspace = await ClientWorkspace.create();
  await workspace.generateTypes(document, TYPES);
  await workspace.write('tour.ts', readFileSync(TOUR, 'utf8'));
  await workspace.write('api-doc-example.ts', apiDocExample());
  return workspace;
}

let document: OpenAPIObject;
let client: ClientWorkspace;

beforeAll(async () => {
  // The document is public: the generator fetches it without a token.
  const published = await fetch(`${context.app.baseUrl}/docs-json`);
  expect(published.status).toBe(200);
  document = (await published.json()) as OpenAPIObject;
  client = await clientOf(document);
}, 120_000);

afterAll(() => client?.remove());

it('the tour client and the docs/api.md example type-check against the generated types, with no diagnostic', async () => {
  expect(await client.read(TYPES)).toMatch(/^export interface paths \{$/m);
  expect(client.typeCheck(['tour.ts', 'api-doc-example.ts'])).toEqual([]);
});

it('the same check fails on a document without a route, a header or a field the calls use', async () => {
  const broken = structuredClone(document);
  const withdrawals = broken.paths['/accounts/{id}/withdrawals'].post;
  const movement = broken.components?.schemas?.MoneyMovementResponseDto as
    { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!withdrawals || !movement?.properties?.balance || !broken.paths['/transfers/{id}'])
    throw new Error('the document no longer has the parts this test takes out: update the test');
  withdrawals.parameters = (withdrawals.parameters ?? []).filter(
    (parameter) => !('name' in parameter) || parameter.name !== 'If-Match',
  );
  delete movement.properties.balance;
  movement.required = movement.required?.filter((name) => name !== 'balance');
  delete broken.paths['/transfers/{id}'];

  const brokenClient = await clientOf(broken);
  try {
    const diagnostics = brokenClient.typeCheck(['tour.ts']).join('\n');
    expect(diagnostics).toMatch(/tour\.ts:\d+:\d+ .*'If-Match'/);
    expect(diagnostics).toMatch(/tour\.ts:\d+:\d+ .*'balance'/);
    expect(diagnostics).toMatch(/tour\.ts:\d+:\d+ .*"\/transfers\/\{id\}"/);
  } finally {
    await brokenClient.remove();
  }
}, 120_000);

it('the tour client runs against the app: one deposit for two requests, a guarded withdrawal, a completed transfer, and the history they leave', async () => {
  const token = await mintToken({ roles: ['teller'], subject: 'client-teller' });
  const run = await client.runProgram(
    'tour.ts',
    { LEDGERLINE_URL: context.app.baseUrl, LEDGERLINE_TOKEN: token },
    90_000,
  );
  if (run.code !== 0)
    throw new Error(
      `the tour client failed (exit ${run.code})\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
    );
  const shown = JSON.parse(run.stdout) as {
    checking: string;
    savings: string;
    deposited: Record<string, unknown>;
    repeated: Record<string, unknown>;
    read: Record<string, unknown>;
    withdrawn: Record<string, unknown>;
    transfer: Record<string, unknown>;
    balances: Record<string, unknown>;
    history: string[];
  };

  expect(shown.deposited).toEqual({ version: 2, balance: DEPOSIT, position: expect.any(String) });
  // The repeat is the first answer again, replayed: nothing more was deposited.
  expect(shown.repeated).toEqual({ ...shown.deposited, replayed: 'true' });
  expect(shown.read).toEqual({ version: 2, etag: '"2"' });
  expect(shown.withdrawn).toEqual({ version: 3, balance: DEPOSIT - WITHDRAWAL });
  expect(shown.transfer).toMatchObject({
    fromAccountId: shown.checking,
    toAccountId: shown.savings,
    amount: TRANSFER,
    currency: 'EUR',
    status: 'COMPLETED',
  });
  expect(shown.balances).toEqual({
    checking: DEPOSIT - WITHDRAWAL - TRANSFER,
    savings: TRANSFER,
  });
  const history = [
    '1 AccountOpened  user:client-teller',
    `2 MoneyDeposited ${DEPOSIT} user:client-teller`,
    `3 MoneyWithdrawn ${WITHDRAWAL} user:client-teller`,
    `4 MoneyDebitedForTransfer ${TRANSFER} system:transfer-process`,
  ];
  // The settlement (version 5) follows the transfer's completion within moments.
  expect([history, [...history, '5 TransferDebitSettled  system:transfer-process']]).toContainEqual(
    shown.history,
  );
}, 120_000);
