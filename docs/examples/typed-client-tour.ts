/**
 * The README's five-minute tour, written with a client generated from the API's OpenAPI
 * document instead of curl. Beside this file:
 *
 *   npm install openapi-fetch
 *   npx openapi-typescript http://localhost:3000/docs-json -o ledgerline-api.d.ts \
 *     --default-non-nullable=false
 *
 * Every call is typed by the generated `paths`: the route, its path, query and header
 * parameters, the body, and the answer. Run it (as an ES module) with LEDGERLINE_URL and
 * LEDGERLINE_TOKEN, a teller's token (`npm run --silent token -- --role teller`); it prints what
 * the tour shows as one JSON object. test/openapi-client.e2e-spec.ts type-checks it strictly
 * against the types generated from a running app's document, then runs it against that app.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import createClient from 'openapi-fetch';
import type { paths } from './ledgerline-api.js';

const api = createClient<paths>({
  baseUrl: process.env.LEDGERLINE_URL ?? 'http://localhost:3000',
  headers: { Authorization: `Bearer ${process.env.LEDGERLINE_TOKEN}` },
});

/** The answer of a call that succeeded; any other answer throws, with its problem+json. */
function ok<T>({ data, error, response }: { data?: T; error?: unknown; response: Response }): T {
  if (error !== undefined || data === undefined)
    throw new Error(`${response.status} from ${response.url}: ${JSON.stringify(error)}`);
  return data;
}

// Register a customer. The API chooses the ids; a document number belongs to one customer only,
// so the tour makes one up.
const customer = ok(
  await api.POST('/customers', {
    body: { name: 'Ada Lovelace', email: 'ada@example.com', documentNumber: `AL${randomInt(1e9)}` },
  }),
);

// Open two accounts for that customer.
const openAccount = async () =>
  ok(await api.POST('/accounts', { body: { customerId: customer.id, currency: 'EUR' } }));
const checking = await openAccount();
const savings = await openAccount();

// Deposit 100.00 EUR. Sent again with the same Idempotency-Key, the request gets the first
// answer again (with Idempotent-Replayed: true), and nothing more is deposited.
const deposit = () =>
  api.POST('/accounts/{id}/deposits', {
    params: { path: { id: checking.id }, header: { 'Idempotency-Key': `tour-${checking.id}` } },
    body: { amount: 10000, reference: 'salary' },
  });
const deposited = ok(await deposit());
const repeated = await deposit();

// Withdraw 25.00 EUR, only if nobody changed the account since it was read: its version (also
// its ETag) goes in If-Match, and any other current version answers 409 VERSION_CONFLICT.
const read = await api.GET('/accounts/{id}', { params: { path: { id: checking.id } } });
const { version } = ok(read);
const withdrawn = ok(
  await api.POST('/accounts/{id}/withdrawals', {
    params: { path: { id: checking.id }, header: { 'If-Match': `"${version}"` } },
    body: { amount: 2500 },
  }),
);

// Transfer 30.00 EUR to the savings account. It is accepted (202), then carried out step by
// step (debit, credit, settlement): read it until it is no longer PENDING.
const accepted = ok(
  await api.POST('/transfers', {
    body: { fromAccountId: checking.id, toAccountId: savings.id, amount: 3000 },
  }),
);
const readTransfer = async () =>
  ok(await api.GET('/transfers/{id}', { params: { path: { id: accepted.id } } }));
let transfer = await readTransfer();
for (let waited = 0; transfer.status === 'PENDING'; waited += 200) {
  if (waited >= 30_000) throw new Error(`transfer ${transfer.id} still PENDING after 30 s`);
  await sleep(200);
  transfer = await readTransfer();
}

// Both balances, and the checking account's history: every event, oldest first, with who
// caused it (the transfer's steps are the process manager's).
const balanceOf = async (id: string) =>
  ok(await api.GET('/accounts/{id}', { params: { path: { id } } })).balance;
const history = ok(
  await api.GET('/accounts/{id}/events', { params: { path: { id: checking.id } } }),
);

console.log(
  JSON.stringify({
    customer: customer.id,
    checking: checking.id,
    savings: savings.id,
    deposited,
    repeated: { ...ok(repeated), replayed: repeated.response.headers.get('Idempotent-Replayed') },
    read: { version, etag: read.response.headers.get('ETag') },
    withdrawn: { version: withdrawn.version, balance: withdrawn.balance },
    transfer,
    balances: { checking: await balanceOf(checking.id), savings: await balanceOf(savings.id) },
    history: history.items.map((event) =>
      [event.version, event.type, event.data.amount, event.actor].join(' '),
    ),
  }),
);
