import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatementView } from '../src/accounts/statements/statement';
import { decimalAmount } from '../src/accounts/statements/statement-pdf';
import { accountsApi } from './support/accounts-api';
import { transfersApi } from './support/transfers-api';
import { useTestApp } from './support/test-app';

const context = useTestApp('statements_e2e');
const api = accountsApi(() => context.app.baseUrl);

type Statement = StatementView;

/** A deterministic pseudo-random sequence (a failing history can be replayed from its seed). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The PDF's text as poppler's pdftotext reads it, columns kept on their lines. */
function pdfText(pdf: Buffer): string {
  const folder = mkdtempSync(join(tmpdir(), 'statement-'));
  try {
    const file = join(folder, 'statement.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

describe('GET /accounts/{id}/statement', () => {
  const seed = 20_261_206;
  let id: string;
  /** The balance after each version, as the movements' answers said. */
  const balanceAt = new Map<number, number>();
  let from: string;

  beforeAll(async () => {
    id = await api.open();
    const next = random(seed);
    let balance = 0;
    for (let movement = 0; movement < 1_000; movement++) {
      const amount = 1 + Math.floor(next() * 50_000);
      const withdraw = balance >= amount && next() < 0.4;
      const response = await (
        withdraw
          ? api.withdraw(id, amount)
          : api
              .http()
              .post(`/accounts/${id}/deposits`)
              .send({ amount, reference: `m${movement}` })
      ).expect(201);
      const { version, balance: after } = response.body as { version: number; balance: number };
      balance = after;
      balanceAt.set(version, after);
    }
    // The period starts at the 300th movement (version 301): 299 movements lie before it.
    const event = await api.http().get(`/accounts/${id}/events/301`).expect(200);
    from = (event.body as { occurredAt: string }).occurredAt;
  }, 120_000);

  const to = () => new Date(Date.now() + 60_000).toISOString();
  const statementAs = (accept: string) =>
    api
      .http()
      .get(`/accounts/${id}/statement`)
      .query({ from, to: to() })
      .set('Accept', accept)
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });

  it('JSON: the opening balance, then each movement with its running balance, adding up to the closing balance', async () => {
    const response = await statementAs('application/json').expect(200);
    const statement = JSON.parse((response.body as Buffer).toString('utf8')) as Statement;
    expect(statement.entries).toHaveLength(1_000 - 299);
    // Opening: the balance after the last movement before the period (version 300).
    expect(statement.openingBalance).toBe(balanceAt.get(300));
    let running = statement.openingBalance;
    for (const entry of statement.entries) {
      running += entry.amount;
      expect(entry.runningBalance).toBe(running);
      expect(entry.runningBalance).toBe(balanceAt.get(entry.version));
    }
    expect(statement.closingBalance).toBe(running);
    expect(statement.closingBalance).toBe((await api.account(id)).balance);
    expect(statement.entries.every((entry) => entry.at >= from)).toBe(true);
  });

  it('CSV and PDF show the same figures as the JSON', async () => {
    const json = JSON.parse(
      ((await statementAs('application/json').expect(200)).body as Buffer).toString('utf8'),
    ) as Statement;

    const csvResponse = await statementAs('text/csv').expect(200);
    expect(csvResponse.headers['content-type']).toMatch(/^text\/csv/);
    const lines = (csvResponse.body as Buffer).toString('utf8').trimEnd().split('\r\n');
    const summary = new Map(
      lines
        .filter((line) => line.startsWith('#'))
        .map((line) => line.split(',') as [string, string]),
    );
    expect(Number(summary.get('# openingBalance'))).toBe(json.openingBalance);
    expect(Number(summary.get('# closingBalance'))).toBe(json.closingBalance);
    const [header, ...rows] = lines.filter((line) => !line.startsWith('#'));
    expect(header).toBe(
      'at,type,amount,runningBalance,version,reference,transferId,counterpartAccountId',
    );
    expect(rows.map((row) => row.split(',').slice(2, 5).map(Number))).toEqual(
      json.entries.map((entry) => [entry.amount, entry.runningBalance, entry.version]),
    );

    const pdfResponse = await statementAs('application/pdf').expect(200);
    expect(pdfResponse.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdfResponse.body as Buffer);
    expect(text).toContain(`Opening balance: ${decimalAmount(json.openingBalance, 2)}`);
    expect(text).toContain(`Closing balance: ${decimalAmount(json.closingBalance, 2)}`);
    // One line per movement: its date, type, amount and running balance, in order.
    const movementLines = text
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cells) => /^\d{4}-\d{2}-\d{2}$/.test(cells[0] ?? ''));
    expect(movementLines.map((cells) => [cells[3], cells[4]])).toEqual(
      json.entries.map((entry) => [
        decimalAmount(entry.amount, 2),
        decimalAmount(entry.runningBalance, 2),
      ]),
    );
  });

  it('refuses a period that is empty, reversed or longer than 366 days, and an unknown account', async () => {
    for (const query of [
      { from: '2026-12-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { from: '2025-01-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { from: 'yesterday', to: '2026-12-01T00:00:00Z' },
    ]) {
      const response = await api.http().get(`/accounts/${id}/statement`).query(query).expect(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    await api
      .http()
      .get('/accounts/00000000-0000-4000-8000-000000000000/statement')
      .query({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' })
      .expect(404);
  });
});

describe('GET /accounts/{id}/statement of transfers and holds', () => {
  it('names the transfer and the other account of each transfer movement, and shows a capture as a withdrawal', async () => {
    const transfers = transfersApi(() => context.app.baseUrl);
    const source = await api.open();
    const destination = await api.open();
    const from = new Date(Date.now() - 60_000).toISOString();
    await api.deposit(source, 10_000).expect(201);
    const out = await transfers.start(source, destination, 2_500);
    expect((await transfers.settled(out.id)).status).toBe('COMPLETED');
    const back = await transfers.start(destination, source, 1_000);
    expect((await transfers.settled(back.id)).status).toBe('COMPLETED');
    const hold = await api.placeHold(source, { amount: 700, reason: 'CAFE' }).expect(201);
    await api.captureHold(source, (hold.body as { id: string }).id).expect(200);
    const to = new Date(Date.now() + 60_000).toISOString();

    const read = async (accountId: string): Promise<Statement> =>
      (await api.http().get(`/accounts/${accountId}/statement`).query({ from, to }).expect(200))
        .body as Statement;
    const ofSource = await read(source);
    expect(
      ofSource.entries.map(({ type, amount, transferId, counterpartAccountId, reference }) => ({
        type,
        amount,
        transferId,
        counterpartAccountId,
        reference,
      })),
    ).toEqual([
      {
        type: 'MoneyDeposited',
        amount: 10_000,
        transferId: undefined,
        counterpartAccountId: undefined,
        reference: undefined,
      },
      {
        type: 'MoneyDebitedForTransfer',
        amount: -2_500,
        transferId: out.id,
        counterpartAccountId: destination,
        reference: undefined,
      },
      {
        type: 'MoneyCreditedForTransfer',
        amount: 1_000,
        transferId: back.id,
        counterpartAccountId: destination,
        reference: undefined,
      },
      {
        type: 'MoneyWithdrawn',
        amount: -700,
        transferId: undefined,
        counterpartAccountId: undefined,
        reference: 'CAFE',
      },
    ]);
    expect(ofSource.closingBalance).toBe(7_800);
    const ofDestination = await read(destination);
    expect(ofDestination.entries.map((entry) => entry.counterpartAccountId)).toEqual([
      source,
      source,
    ]);
    const csv = await api
      .http()
      .get(`/accounts/${source}/statement`)
      .query({ from, to })
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.text).toContain(`,${out.id},${destination}\r\n`);
  });
});
