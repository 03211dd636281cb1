import { appliedOperations } from './applied-operations';
import { CheckContext } from './check-context';
import { ERASED_MARKER, HASHED_RESERVATION_STREAM, reservationStreamOf } from './personal-data';
import { examples, Verdict, verdict } from './verdict';

/** The checker's own normalisation (docs/api.md, "Document numbers"), not the app's function. */
export const normaliseDocument = (raw: string): string =>
  raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '');

const CUSTOMER_STREAM = /^customer-(?!document-)(.+)$/;
const RESERVATION_PREFIX = 'customer-document-';

const erased = (data: Readonly<Record<string, unknown>>): boolean => data[ERASED_MARKER] === true;

/**
 * At most one ACTIVE customer per normalised document number, folded from the customer
 * streams (personal fields opened); each applied registration stored the normalised form of
 * the number it sent; and the reservation streams, `customer-document-<HMAC-SHA-256 of the
 * number with the lookup key>`, are reserved exactly for the active customers' numbers: each
 * active number's stream ends reserved by its customer, every other reservation stream ends
 * released, and the number each reservation event holds hashes to its stream.
 */
export function checkCustomers({ history, log, dataKeys }: CheckContext): Verdict {
  const problems: string[] = [];
  if (log.personalData.unreadable.length > 0)
    problems.push(
      `${log.personalData.unreadable.length} personal field(s) do not open (personal-data-sealed), ` +
        `e.g. ${log.personalData.unreadable[0]}`,
    );
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
    const document = registered.data.documentNumber;
    if (typeof document !== 'string') {
      problems.push(
        `${streamId} is active but its document number reads as ${String(document)}` +
          (erased(registered.data) ? ' (personal data erased)' : ''),
      );
      continue;
    }
    activeByDocument.set(document, [...(activeByDocument.get(document) ?? []), match[1]]);
  }
  const duplicated = [...activeByDocument].filter(([, ids]) => ids.length > 1);
  for (const [document, ids] of duplicated)
    problems.push(`document ${document}: ${ids.length} active customers (${ids.join(', ')})`);

  for (const [operation, event] of appliedOperations(history.operations, log)) {
    if (operation.kind !== 'register' || erased(event.data)) continue;
    const sent = normaliseDocument(String(operation.body?.documentNumber));
    if (event.data.documentNumber !== sent)
      problems.push(`${operation.key}: sent ${sent}, stored ${String(event.data.documentNumber)}`);
  }

  const reservations = [...log.byStream].filter(([streamId]) =>
    streamId.startsWith(RESERVATION_PREFIX),
  );
  let lookupKey: Buffer | null = null;
  try {
    lookupKey = dataKeys.lookupKey();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  // Reservation stream id -> the active number it must hold.
  const expected = new Map<string, string>();
  if (lookupKey) {
    for (const document of activeByDocument.keys())
      expected.set(reservationStreamOf(lookupKey, document), document);
  } else if (activeByDocument.size > 0 || reservations.length > 0) {
    problems.push(
      `no lookup-hash key: ${activeByDocument.size} active document(s) and ` +
        `${reservations.length} reservation stream(s) cannot be matched`,
    );
  }

  let held = 0;
  for (const [streamId, events] of reservations) {
    if (!HASHED_RESERVATION_STREAM.test(streamId))
      problems.push(`${streamId}: not named after a keyed hash (plain form)`);
    const document = expected.get(streamId);
    const last = events.at(-1);
    const holder = last?.type === 'DocumentNumberReserved' ? String(last.data.customerId) : null;
    if (holder !== null) held++;
    const active = document === undefined ? [] : (activeByDocument.get(document) ?? []);
    if (holder === null ? active.length > 0 : active.length !== 1 || active[0] !== holder)
      problems.push(
        `reservation ${streamId}${document === undefined ? '' : ` (document ${document})`} ` +
          `held by ${holder}, active customers ${active.join(', ') || 'none'}`,
      );
    if (!lookupKey) continue;
    for (const event of events) {
      const number = event.data.documentNumber;
      if (typeof number !== 'string') {
        if (!erased(event.data))
          problems.push(`${streamId}@${event.version} ${event.type} holds no document number`);
      } else if (reservationStreamOf(lookupKey, number) !== streamId)
        problems.push(
          `${streamId}@${event.version} ${event.type} holds document ${number}, whose ` +
            `reservation stream is ${reservationStreamOf(lookupKey, number)}`,
        );
    }
  }
  for (const [streamId, document] of expected)
    if (!log.byStream.has(streamId))
      problems.push(
        `document ${document} (active customer ${activeByDocument.get(document)?.join(', ')}) ` +
          `has no reservation stream ${streamId}`,
      );

  const pass = problems.length === 0;
  return verdict(
    'one-active-per-document',
    pass,
    `${customers} customers, ${activeByDocument.size} documents with an active customer, ` +
      `${duplicated.length} with more than one, ${reservations.length} reservation streams ` +
      `(${held} reserved)` +
      (pass ? '' : `; ${problems.length} problem(s): ${examples(problems, 3).join('; ')}`),
    { problems: examples(problems, 200) },
  );
}
