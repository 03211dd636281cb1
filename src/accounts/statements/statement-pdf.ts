import PDFDocument from 'pdfkit';
import { StatementView } from './statement';

/** The currency's minor-unit digits (EUR 2, JPY 0, BHD 3), from the ISO 4217 data of Intl. */
export const minorDigits = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;

/** Minor units as a plain decimal figure of the currency's digits: 125050 EUR is 1250.50. */
export function decimalAmount(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0
    ? `${sign}${text}`
    : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

const COLUMNS = [
  { title: 'Date (UTC)', x: 50, width: 120 },
  { title: 'Movement', x: 170, width: 150 },
  { title: 'Amount', x: 320, width: 100, align: 'right' as const },
  { title: 'Balance', x: 420, width: 120, align: 'right' as const },
];

/**
 * The statement as a PDF (pdfkit, its built-in Helvetica): the period's figures, then one line
 * per movement with its amount and running balance, in the account's currency and its digits.
 */
export function statementPdf(statement: StatementView): Promise<Buffer> {
  const digits = minorDigits(statement.currency);
  const money = (minor: number): string => decimalAmount(minor, digits);
  const document = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: 'Account statement' },
  });
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    document.on('end', () => resolve(Buffer.concat(chunks)));
    document.on('error', reject);
  });
  document.fontSize(16).text('Account statement');
  document.moveDown(0.5).fontSize(10);
  document.text(`Account: ${statement.accountId}`);
  document.text(`Currency: ${statement.currency}`);
  document.text(`Period: ${statement.from} to ${statement.to}`);
  document.text(`Opening balance: ${money(statement.openingBalance)}`);
  document.text(`Closing balance: ${money(statement.closingBalance)}`);
  document.text(`Movements: ${statement.entries.length}`);
  document.moveDown();
  const row = (cells: readonly string[]): void => {
    if (document.y > document.page.height - 70) document.addPage();
    const y = document.y;
    COLUMNS.forEach((column, index) =>
      document.text(cells[index], column.x, y, {
        width: column.width,
        align: column.align ?? 'left',
      }),
    );
    document.moveDown(0.2);
  };
  row(COLUMNS.map((column) => column.title));
  for (const entry of statement.entries)
    row([
      entry.at.slice(0, 19).replace('T', ' '),
      entry.type,
      money(entry.amount),
      money(entry.runningBalance),
    ]);
  document.end();
  return done;
}
