import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EventStore, RecordedEvent } from '@ledgerline/event-sourcing';
import { decodeCursor, encodeCursor, VERSION_PART } from '../../common/pagination/cursor';
import { EVENT_STORE } from '../../database/database.tokens';
import { ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { assertAccountVisible } from './account-access';
import { AccountRepository } from '../accounts.repository';
import { AccountNotFoundError } from '../domain/account.errors';
import { accountStreamId } from '../domain/account.state';
import { AccountHistoryEntry, AccountHistoryPage } from './account.views';
import { GetAccountHistoryQuery } from './get-account-history.query';

/** A history cursor names its account: another account's cursor is refused, not followed. */
const cursorList = (accountId: string): string => `account-events:${accountId}`;

function toEntry(event: RecordedEvent): AccountHistoryEntry {
  const { commandId, correlationId, causationId, actor, occurredAt, traceparent } = event.metadata;
  return {
    version: event.streamVersion,
    position: event.globalPosition.toString(),
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    occurredAt,
    recordedAt: event.recordedAt.toISOString(),
    commandId,
    correlationId,
    causationId,
    actor,
    ...(traceparent === undefined ? {} : { traceparent }),
  };
}

@QueryHandler(GetAccountHistoryQuery)
export class GetAccountHistoryHandler implements IQueryHandler<GetAccountHistoryQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
  ) {}

  async execute({
    accountId,
    start,
    limit,
    scope,
  }: GetAccountHistoryQuery): Promise<AccountHistoryPage> {
    const fromVersion =
      'cursor' in start
        ? Number(decodeCursor(start.cursor, cursorList(accountId), [VERSION_PART])[0])
        : start.fromVersion;
    await assertAccountVisible(this.accounts, scope, accountId);
    const streamId = accountStreamId(accountId);
    // One event more than the page tells whether another page follows.
    const events = await this.store.readStream(streamId, {
      fromVersion,
      toVersion: fromVersion + limit,
    });
    if (
      events.length === 0 &&
      (fromVersion === 1 || (await this.store.readStream(streamId, { toVersion: 1 })).length === 0)
    ) {
      throw new AccountNotFoundError(accountId);
    }
    const page = events.slice(0, limit);
    return {
      items: page.map(toEntry),
      nextCursor:
        events.length > limit
          ? encodeCursor(cursorList(accountId), [String(fromVersion + limit)])
          : null,
    };
  }
}
