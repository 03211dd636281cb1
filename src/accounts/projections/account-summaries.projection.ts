import { Projection, ProjectionTransaction, RecordedEvent } from '@ledgerline/event-sourcing';
import { AccountEvent, AccountEventType } from '../domain/account.events';

export const ACCOUNT_SUMMARIES = 'account-summaries';
const TABLE = 'account_summaries';

interface Opened {
  accountId: string;
  customerId: string;
  currency: string;
  openedAt: string;
}
interface Change {
  delta: number;
  version: number;
  closed: boolean;
  updatedAt: string;
}

/**
 * One row per account: balance, status and version, for listing and filtering. A batch is
 * folded in memory first and written with two set-based statements, whatever its size.
 */
export const accountSummariesProjection: Projection = {
  name: ACCOUNT_SUMMARIES,
  eventTypes: Object.values(AccountEventType),
  tables: [TABLE],
  lifecycle: 'async',
  async apply(events: readonly RecordedEvent[], tx: ProjectionTransaction): Promise<void> {
    const opened: Opened[] = [];
    const changes = new Map<string, Change>();
    for (const recorded of events) {
      const event = { type: recorded.type, data: recorded.data } as AccountEvent;
      const accountId = event.data.accountId;
      const at = recorded.metadata.occurredAt;
      if (event.type === AccountEventType.opened) {
        opened.push({
          accountId,
          customerId: event.data.customerId,
          currency: event.data.currency,
          openedAt: at,
        });
      }
      const change = changes.get(accountId) ?? {
        delta: 0,
        version: 0,
        closed: false,
        updatedAt: at,
      };
      if (event.type === AccountEventType.deposited) change.delta += event.data.amount;
      if (event.type === AccountEventType.withdrawn) change.delta -= event.data.amount;
      if (event.type === AccountEventType.debitedForTransfer) change.delta -= event.data.amount;
      if (
        event.type === AccountEventType.creditedForTransfer ||
        event.type === AccountEventType.transferDebitRefunded
      )
        change.delta += event.data.amount;
      if (event.type === AccountEventType.closed) change.closed = true;
      change.version = recorded.streamVersion;
      change.updatedAt = at;
      changes.set(accountId, change);
    }
    if (opened.length > 0) {
      await tx.query(
        `INSERT INTO ${tx.table(TABLE)} (account_id, customer_id, currency, balance, status, version, opened_at, updated_at)
         SELECT id, customer, currency, 0, 'OPEN', 0, at, at
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) AS o(id, customer, currency, at)`,
        [
          opened.map((o) => o.accountId),
          opened.map((o) => o.customerId),
          opened.map((o) => o.currency),
          opened.map((o) => o.openedAt),
        ],
      );
    }
    const ids = [...changes.keys()];
    const updated = await tx.query(
      `UPDATE ${tx.table(TABLE)} AS s
          SET balance = s.balance + c.delta, version = c.version, updated_at = c.at,
              status = CASE WHEN c.closed THEN 'CLOSED' ELSE s.status END
         FROM unnest($1::uuid[], $2::bigint[], $3::int[], $4::boolean[], $5::timestamptz[]) AS c(id, delta, version, closed, at)
        WHERE s.account_id = c.id
       RETURNING s.account_id`,
      [
        ids,
        ids.map((id) => changes.get(id)!.delta),
        ids.map((id) => changes.get(id)!.version),
        ids.map((id) => changes.get(id)!.closed),
        ids.map((id) => changes.get(id)!.updatedAt),
      ],
    );
    // Every stream starts with AccountOpened, so a change to an unknown account means the log
    // broke its order: fail (and park, visibly) rather than drop the event.
    if (updated.length !== ids.length) {
      throw new Error(
        `account-summaries: ${ids.length - updated.length} account(s) changed before they were opened`,
      );
    }
  },
};
