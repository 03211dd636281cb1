import { CheckContext } from './check-context';
import { HASHED_RESERVATION_STREAM } from './personal-data';
import { examples, Verdict, verdict } from './verdict';

/**
 * Personal data rests sealed: every declared personal field of the log (customer
 * registrations, contact changes, document reservations and releases) is stored in the
 * `pii:v1:` form, none as plain text; every sealed value opens with its subject's data key;
 * every data key unwraps with the run's master key; and no reservation stream is named after
 * the document number itself (only `customer-document-<64 hex>`, the keyed hash).
 */
export function checkPersonalDataSealed({ log, dataKeys }: CheckContext): Verdict {
  const reading = log.personalData;
  const keyFailures: string[] = [];
  for (const subject of dataKeys.subjects) {
    try {
      dataKeys.key(subject);
    } catch (error) {
      keyFailures.push(error instanceof Error ? error.message : String(error));
    }
  }
  const plainStreams = [...log.byStream.keys()].filter(
    (streamId) =>
      streamId.startsWith('customer-document-') && !HASHED_RESERVATION_STREAM.test(streamId),
  );
  const problems = [
    ...reading.plain.map((field) => `plain text: ${field}`),
    ...reading.unreadable.map((field) => `does not open: ${field}`),
    ...keyFailures,
    ...plainStreams.map((streamId) => `reservation stream named in the plain form: ${streamId}`),
  ];
  const pass = problems.length === 0;
  return verdict(
    'personal-data-sealed',
    pass,
    `${reading.sealed} personal field(s) of ${reading.events} event(s) sealed and opened ` +
      `(${reading.erased} event(s) of erased subjects), ${dataKeys.subjects.length} data key(s); ` +
      `${reading.plain.length} plain, ${reading.unreadable.length} not opening, ` +
      `${keyFailures.length} key(s) not unwrapping, ${plainStreams.length} plain reservation stream(s)` +
      (pass ? '' : `: ${examples(problems, 3).join('; ')}`),
    { problems: examples(problems, 200) },
  );
}
