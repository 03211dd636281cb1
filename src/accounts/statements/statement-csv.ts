import { StatementView } from './statement';

const COLUMNS = [
  'at',
  'type',
  'amount',
  'runningBalance',
  'version',
  'reference',
  'transferId',
  'counterpartAccountId',
] as const;

/** RFC 4180 quoting; a leading =, +, - or @ is neutralised so a spreadsheet never runs it. */
function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The statement as CSV: a header row, one row per movement, then the period's figures as
 * `#` comment rows above the header (account, currency, from, to, opening and closing balance),
 * amounts in minor units as in the JSON.
 */
export function statementCsv(statement: StatementView): string {
  const summary = [
    ['# account', statement.accountId],
    ['# currency', statement.currency],
    ['# from', statement.from],
    ['# to', statement.to],
    ['# openingBalance', statement.openingBalance],
    ['# closingBalance', statement.closingBalance],
  ].map(([name, value]) => `${name},${cell(value)}`);
  const rows = statement.entries.map((entry) =>
    COLUMNS.map((column) => cell(entry[column])).join(','),
  );
  return [...summary, COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
