import { Inject } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EventStore } from '@ledgerline/event-sourcing';
import { EVENT_STORE } from '../../database/database.tokens';
import { ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountRepository } from '../accounts.repository';
import { AccountNotFoundError } from '../domain/account.errors';
import { AccountEventType } from '../domain/account.events';
import { accountStreamId } from '../domain/account.state';
import {
  buildStatement,
  StatementView,
  transfersOf,
  withCounterparts,
} from '../statements/statement';
import { TRANSFER_COUNTERPARTS, TransferCounterparts } from '../statements/transfer-counterparts';
import { assertAccountVisible } from './account-access';
import { GetStatementQuery } from './get-statement.query';

/** A statement from the book of record: the account's own stream, read whole. */
@QueryHandler(GetStatementQuery)
export class GetStatementHandler implements IQueryHandler<GetStatementQuery> {
  constructor(
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly modules: ModuleRef,
  ) {}

  /** The transfers context's port, looked up app-wide (it is provided there, not here). */
  private counterparts(): TransferCounterparts | undefined {
    try {
      return this.modules.get<TransferCounterparts>(TRANSFER_COUNTERPARTS, { strict: false });
    } catch {
      return undefined; // no transfers context in this app
    }
  }

  async execute({ accountId, from, to, scope }: GetStatementQuery): Promise<StatementView> {
    await assertAccountVisible(this.accounts, scope, accountId);
    const events = await this.store.readStream(accountStreamId(accountId));
    const opened = events[0];
    if (opened?.type !== AccountEventType.opened) throw new AccountNotFoundError(accountId);
    const { currency } = opened.data as { currency: string };
    const statement = buildStatement(accountId, currency, events, from, to);
    const transferIds = transfersOf(statement);
    const counterparts = transferIds.length === 0 ? undefined : this.counterparts();
    if (counterparts === undefined) return statement;
    return withCounterparts(statement, await counterparts.accountsOf(transferIds));
  }
}
