import { RecordedEvent } from '@ledgerline/event-sourcing';
import { buildStatement } from './statement';
import { statementCsv } from './statement-csv';
import { decimalAmount, minorDigits } from './statement-pdf';

let version = 0;
const event = (type: string, data: Record<string, unknown>, occurredAt: string): RecordedEvent =>
  ({
    type,
    data: { accountId: 'a', ...data },
    streamVersion: ++version,
    metadata: { occurredAt },
  }) as unknown as RecordedEvent;

const history = (): RecordedEvent[] => {
  version = 0;
  return [
    event('AccountOpened', { currency: 'EUR' }, '2026-10-01T09:00:00.000Z'),
    event('MoneyDeposited', { amount: 10_000, reference: 'salary' }, '2026-10-02T09:00:00.000Z'),
    event('OverdraftLimitSet', { limit: 500, reason: 'x' }, '2026-10-03T09:00:00.000Z'),
    event('MoneyWithdrawn', { amount: 2_500, reference: '=cmd' }, '2026-11-02T09:00:00.000Z'),
    event(
      'MoneyDebitedForTransfer',
      { amount: 1_000, transferId: 't1' },
      '2026-11-03T09:00:00.000Z',
    ),
    event('TransferDebitRefunded', { amount: 1_000, transferId: 't1' }, '2026-11-04T09:00:00.000Z'),
    event('MoneyDeposited', { amount: 7, reference: null }, '2026-12-05T09:00:00.000Z'),
  ];
};

describe('buildStatement', () => {
  it('sums what occurred before the period, then runs the balance through it; the rest is left out', () => {
    const statement = buildStatement(
      'a',
      'EUR',
      history(),
      new Date('2026-11-01T00:00:00Z'),
      new Date('2026-12-01T00:00:00Z'),
    );
    expect(statement).toMatchObject({ openingBalance: 10_000, closingBalance: 7_500 });
    expect(statement.entries).toEqual([
      {
        at: '2026-11-02T09:00:00.000Z',
        type: 'MoneyWithdrawn',
        version: 4,
        amount: -2_500,
        reference: '=cmd',
        runningBalance: 7_500,
      },
      {
        at: '2026-11-03T09:00:00.000Z',
        type: 'MoneyDebitedForTransfer',
        version: 5,
        amount: -1_000,
        transferId: 't1',
        runningBalance: 6_500,
      },
      {
        at: '2026-11-04T09:00:00.000Z',
        type: 'TransferDebitRefunded',
        version: 6,
        amount: 1_000,
        transferId: 't1',
        runningBalance: 7_500,
      },
    ]);
  });

  it('a period with no movement: opening and closing are the same', () => {
    const statement = buildStatement(
      'a',
      'EUR',
      history(),
      new Date('2026-10-10T00:00:00Z'),
      new Date('2026-10-20T00:00:00Z'),
    );
    expect(statement).toMatchObject({
      openingBalance: 10_000,
      closingBalance: 10_000,
      entries: [],
    });
  });
});

describe('statementCsv', () => {
  it('quotes as RFC 4180 says and never lets a spreadsheet run a cell', () => {
    const csv = statementCsv(
      buildStatement(
        'a',
        'EUR',
        history(),
        new Date('2026-11-01T00:00:00Z'),
        new Date('2026-12-01T00:00:00Z'),
      ),
    );
    const lines = csv.split('\r\n');
    expect(lines.slice(0, 7)).toEqual([
      '# account,a',
      '# currency,EUR',
      '# from,2026-11-01T00:00:00.000Z',
      '# to,2026-12-01T00:00:00.000Z',
      '# openingBalance,10000',
      '# closingBalance,7500',
      'at,type,amount,runningBalance,version,reference,transferId,counterpartAccountId',
    ]);
    expect(lines[7]).toBe("2026-11-02T09:00:00.000Z,MoneyWithdrawn,-2500,7500,4,'=cmd,,");
  });
});

describe('amounts in the PDF', () => {
  it('use the currency digits', () => {
    expect([minorDigits('EUR'), minorDigits('JPY'), minorDigits('BHD')]).toEqual([2, 0, 3]);
    expect(decimalAmount(125_050, 2)).toBe('1250.50');
    expect(decimalAmount(-5, 2)).toBe('-0.05');
    expect(decimalAmount(1_234, 0)).toBe('1234');
    expect(decimalAmount(1_234, 3)).toBe('1.234');
  });
});
