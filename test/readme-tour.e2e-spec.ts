import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpApi } from './support/api';
import { ProcessRun, runProcess } from './support/child-process-run';
import { AppProcess, startAppProcess } from './support/app-process';
import { eventually } from './support/eventually';
import { openTestDatabase, TestDatabase } from './support/test-database';

/**
 * The README's five-minute tour, run as a newcomer runs it: every bash block between its
 * `tour:begin` and `tour:end` markers, verbatim, in one bash with `set -euo pipefail`, against
 * the built app started as `npm start` starts it (here on an isolated test database and a free
 * port). The one change is the line `BASE=http://localhost:3000`, which gets the test app's
 * address. The token comes from `npm run token`, as the tour says, with the key file every
 * test app verifies against (AUTH_LOCAL_KEY_FILE, set by the Jest global setup).
 */

const ROOT = join(__dirname, '..');
const BASE_LINE = /^BASE=http:\/\/localhost:3000$/gm;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Printed after the tour's own commands, so the test can look at what the tour created. */
const MARK = '::tour-ids';

/** The tour's shell commands: its ```bash blocks, in order. */
function tourCommands(readme: string): string[] {
  const begin = readme.indexOf('<!-- tour:begin');
  const end = readme.indexOf('<!-- tour:end', begin);
  if (begin === -1 || end === -1)
    throw new Error('README.md has no <!-- tour:begin … --> … <!-- tour:end --> markers');
  return [...readme.slice(begin, end).matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map(
    (match) => match[1],
  );
}

/** The JSON answers the tour shows in comments (`# {…}`), as patterns: "…" matches anything. */
function shownAnswers(script: string): RegExp[] {
  return script
    .split('\n')
    .filter((line) => line.startsWith('# {'))
    .map((line) =>
      line
        .slice(2)
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/…/g, '.*'),
    )
    .map((pattern) => new RegExp(`^${pattern}$`));
}

const runBash = (script: string, timeoutMs: number): Promise<ProcessRun> =>
  runProcess('bash', ['-c', script], { cwd: ROOT, env: process.env, timeoutMs });

describe('The README tour', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const commands = tourCommands(readme);
  const script = commands.join('\n');
  let database: TestDatabase;
  let app: AppProcess;

  beforeAll(async () => {
    database = await openTestDatabase('readme_tour');
    app = await startAppProcess(database);
  });
  afterAll(async () => {
    await app?.stop();
    await database?.close();
  });

  it('is a set of bash blocks that name the server once, as BASE, and start nothing', () => {
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(script.match(BASE_LINE)).toHaveLength(1);
    // Every request goes to $BASE: no other address is written out.
    expect(script.replace(BASE_LINE, '')).not.toMatch(/localhost|127\.0\.0\.1|https?:\/\//);
    expect(script).not.toMatch(/npm (run )?start|npm install/);
    // Every step the README promises: a token, a customer, an account for that customer,
    // a deposit, a withdrawal, a transfer and the account's history.
    for (const step of [
      /npm run --silent token -- --role teller/,
      /-X POST "\$BASE\/customers"/,
      /-X POST "\$BASE\/accounts"/,
      /\/deposits"/,
      /\/withdrawals"/,
      /-X POST "\$BASE\/transfers"/,
      /\/events"/,
    ])
      expect(script).toMatch(step);
  });

  it('runs verbatim against the app and leaves the balances and history it shows', async () => {
    const run = await runBash(
      [
        'set -euo pipefail',
        script.replace(BASE_LINE, `BASE=${app.baseUrl}`),
        `echo "${MARK} $CUSTOMER $CHECKING $SAVINGS $TRANSFER"`,
      ].join('\n'),
      150_000,
    );
    if (run.code !== 0)
      throw new Error(
        `the tour failed (exit ${run.code})\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
      );

    const lines = run.stdout.split('\n');
    const idLine = lines.find((line) => line.startsWith(`${MARK} `));
    const [customer, checking, savings, transfer] = idLine!.split(' ').slice(1);
    for (const id of [customer, checking, savings, transfer]) expect(id).toMatch(UUID);

    // What the tour printed, as the README shows it: the deposit twice (the second a replay of
    // the first), the withdrawal, the completed transfer, the balances and the history.
    const printed = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const movements = printed
      .filter((body) => 'balance' in body)
      .map(({ version, balance }) => ({ version, balance }));
    expect(movements).toEqual([
      { version: 2, balance: 10000 },
      { version: 2, balance: 10000 },
      { version: 3, balance: 7500 },
    ]);
    expect(printed).toContainEqual(
      expect.objectContaining({ id: transfer, amount: 3000, currency: 'EUR', status: 'COMPLETED' }),
    );
    expect(lines).toContain(customer);
    // Every answer the README shows in a `# {…}` comment was printed ("…" stands for anything).
    for (const shown of shownAnswers(script))
      expect(lines).toContainEqual(expect.stringMatching(shown));
    expect(lines).toEqual(
      expect.arrayContaining([
        '4500',
        '3000',
        '1 AccountOpened  user:dev-teller',
        '2 MoneyDeposited 10000 user:dev-teller',
        '3 MoneyWithdrawn 2500 user:dev-teller',
        '4 MoneyDebitedForTransfer 3000 system:transfer-process',
      ]),
    );

    // What the book of record holds afterwards: the repeated deposit applied once.
    const api = httpApi(app.baseUrl);
    const account = async (id: string) =>
      (await api.get(`/accounts/${id}`).expect(200)).body as {
        customerId: string;
        balance: number;
        status: string;
      };
    expect(await account(checking)).toMatchObject({ customerId: customer, balance: 4500 });
    expect(await account(savings)).toMatchObject({ customerId: customer, balance: 3000 });
    expect((await api.get(`/transfers/${transfer}`).expect(200)).body).toMatchObject({
      fromAccountId: checking,
      toAccountId: savings,
      amount: 3000,
      status: 'COMPLETED',
    });
    const history = async (id: string) =>
      (
        (await api.get(`/accounts/${id}/events`).expect(200)).body as {
          items: { type: string; actor: string }[];
        }
      ).items.map((event) => `${event.type} ${event.actor}`);
    await eventually(async () =>
      expect(await history(checking)).toEqual([
        'AccountOpened user:dev-teller',
        'MoneyDeposited user:dev-teller',
        'MoneyWithdrawn user:dev-teller',
        'MoneyDebitedForTransfer system:transfer-process',
        'TransferDebitSettled system:transfer-process',
      ]),
    );
    expect(await history(savings)).toEqual([
      'AccountOpened user:dev-teller',
      'MoneyCreditedForTransfer system:transfer-process',
    ]);
  }, 180_000);
});
