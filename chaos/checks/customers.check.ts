import { appliedOperations } from './applied-operations';
import { CheckContext } from './check-context';
import { examples, Verdict, verdict } from './verdict';

/** The checker's own normalisation (README "Document numbers"), not the app's function. */
export const normaliseDocument = (raw: string): string =>
  raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '');

const CUSTOMER_STREAM = /^customer-(?!document-)(.+)$/;

/**
 * At most one ACTIVE customer per normalised document number, folded from the customer
 * streams; each applied registration stored the normalised form of the number it sent; and
 * the reservation streams (customer-document-<number>) end reserved exactly for the
 * number's active customer.
 */
export function checkCustomers({ history, log }: CheckContext): Verdict {
  const problems: string[] = [];
  const activeByDocument = new Map<string, string[]>();
  let customers = 0;
  for (const [streamId, events] of log.byStream) {
    const match = CUSTOMER_STREAM.exec(streamId);
    if (!match) continue;
    customers++;
    const registered = events.find((event) => event.type === 'CustomerRegistered');
    if (!registered) {
      problems.push(`${streamId} has no CustomerRegistered`);
      continue;
    }
    if (events.some((event) => event.type === 'CustomerUnregistered')) continue;
    const document = String(registered.data.documentNumber);
    activeByDocument.set(document, [...(activeByDocument.get(document) ?? []), match[1]]);
  }
  const duplicated = [...activeByDocument].filter(([, ids]) => ids.length > 1);
  for (const [document, ids] of duplicated)
    problems.push(`document ${document}: ${ids.length} active customers (${ids.join(', ')})`);

  for (const [operation, event] of appliedOperations(history.operations, log)) {
    if (operation.kind !== 'register') continue;
    const sent = normaliseDocument(String(operation.body?.documentNumber));
    if (event.data.documentNumber !== sent)
      problems.push(`${operation.key}: sent ${sent}, stored ${String(event.data.documentNumber)}`);
  }

  for (const [streamId, events] of log.byStream) {
    if (!streamId.startsWith('customer-document-')) continue;
    const document = streamId.slice('customer-document-'.length);
    const last = events.at(-1);
    const holder = last?.type === 'DocumentNumberReserved' ? String(last.data.customerId) : null;
    const active = activeByDocument.get(document) ?? [];
    if (holder === null ? active.length > 0 : active.length !== 1 || active[0] !== holder)
      problems.push(
        `reservation ${document} held by ${holder}, active customers ${active.join(', ')}`,
      );
  }

  const pass = problems.length === 0;
  return verdict(
    'one-active-per-document',
    pass,
    `${customers} customers, ${activeByDocument.size} documents with an active customer, ` +
      `${duplicated.length} with more than one` +
      (pass ? '' : `; ${problems.length} problem(s): ${examples(problems, 3).join('; ')}`),
    { problems: examples(problems, 200) },
  );
}
