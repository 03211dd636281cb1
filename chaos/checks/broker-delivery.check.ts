import { CheckContext } from './check-context';
import { examples, Verdict, verdict } from './verdict';

/**
 * The public contract (docs/architecture.md, "Integration events"): which account events are published, as
 * which routing key. Copied from the contract, so a mapping that drifts from it shows here.
 */
const PUBLISHED_AS: Readonly<Record<string, string>> = {
  AccountOpened: 'accounts.account-opened',
  MoneyDeposited: 'accounts.money-deposited',
  MoneyWithdrawn: 'accounts.money-withdrawn',
  AccountClosed: 'accounts.account-closed',
  MoneyDebitedForTransfer: 'accounts.transfer-debited',
  MoneyCreditedForTransfer: 'accounts.transfer-credited',
  TransferDebitRefunded: 'accounts.transfer-refunded',
};

/**
 * Every committed public event reached the broker:
 * - the outbox holds exactly one message per published account event (by causation id and
 *   type) and nothing else, all marked published;
 * - every outbox message id was delivered to the checker's queue; duplicates are counted
 *   (allowed: at-least-once); a delivered id the outbox does not explain is a failure;
 * - routing key and x-stream-id / x-stream-version headers match the outbox row;
 * - per stream, first deliveries arrive in increasing version (a redelivery of an earlier
 *   message is allowed).
 */
export function checkBrokerDelivery({ log, deliveries }: CheckContext): Verdict {
  const problems: string[] = [];
  const byCause = new Map<string, number>();
  for (const row of log.outbox)
    byCause.set(
      `${row.causationId}/${row.type}`,
      (byCause.get(`${row.causationId}/${row.type}`) ?? 0) + 1,
    );
  let published = 0;
  for (const event of log.events) {
    const type = PUBLISHED_AS[event.type];
    if (!type || !event.streamId.startsWith('account-')) continue;
    published++;
    const rows = byCause.get(`${event.eventId}/${type}`) ?? 0;
    if (rows !== 1) problems.push(`${event.type} ${event.eventId}: ${rows} outbox rows`);
  }
  if (log.outbox.length !== published)
    problems.push(`${log.outbox.length} outbox rows for ${published} published events`);
  const notPublished = log.outbox.filter((row) => row.status !== 'published');
  if (notPublished.length) problems.push(`${notPublished.length} outbox rows not marked published`);

  const outbox = new Map(log.outbox.map((row) => [row.messageId, row]));
  const delivered = new Set<string>();
  const unexpected = new Set<string>();
  let duplicates = 0;
  let mismatched = 0;
  let outOfOrder = 0;
  const highest = new Map<string, number>();
  for (const delivery of deliveries) {
    const id = delivery.messageId ?? '(no message id)';
    const row = outbox.get(id);
    if (!row) {
      unexpected.add(id);
      continue;
    }
    if (
      delivery.routingKey !== row.type ||
      delivery.streamId !== row.streamId ||
      delivery.streamVersion !== row.streamVersion
    )
      mismatched++;
    if (delivered.has(id)) {
      duplicates++;
      continue;
    }
    delivered.add(id);
    const before = highest.get(row.streamId) ?? 0;
    if (row.streamVersion <= before) {
      outOfOrder++;
      if (outOfOrder <= 5)
        problems.push(
          `${row.streamId}: version ${row.streamVersion} first arrived after ${before}`,
        );
    } else highest.set(row.streamId, row.streamVersion);
  }
  const lost = log.outbox.filter((row) => !delivered.has(row.messageId));
  if (lost.length)
    problems.push(
      `${lost.length} outbox message(s) never delivered, e.g. ${examples(lost, 3)
        .map((row) => `${row.type} ${row.streamId} v${row.streamVersion}`)
        .join(', ')}`,
    );
  if (unexpected.size)
    problems.push(`${unexpected.size} delivered id(s) the outbox does not explain`);
  if (mismatched)
    problems.push(`${mismatched} deliveries whose routing key or headers differ from the outbox`);
  const pass = problems.length === 0;
  return verdict(
    'broker-delivery',
    pass,
    `${log.outbox.length} outbox messages, ${deliveries.length} deliveries, ` +
      `${delivered.size} delivered, ${lost.length} lost, ${duplicates} duplicates, ` +
      `${unexpected.size} unexpected, ${outOfOrder} out of order` +
      (pass ? '' : `; ${examples(problems, 3).join('; ')}`),
    { problems: examples(problems, 200), duplicates, lost: lost.length, outOfOrder },
  );
}
