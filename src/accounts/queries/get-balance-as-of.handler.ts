import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EventStore } from '@ledgerline/event-sourcing';
import { EVENT_STORE } from '../../database/database.tokens';
import { ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountNotFoundError, AccountNotYetOpenedError } from '../domain/account.errors';
import { accountStreamId } from '../domain/account.state';
import { assertAccountVisible } from './account-access';
import { AccountRepository } from '../accounts.repository';
import { BalanceAsOfView } from './account.views';
import { GetBalanceAsOfQuery } from './get-balance-as-of.query';

/** A temporal query: the stream folded up to the events that had occurred by `asOf`. */
@QueryHandler(GetBalanceAsOfQuery)
export class GetBalanceAsOfHandler implements IQueryHandler<GetBalanceAsOfQuery> {
  constructor(
    @Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ accountId, asOf, scope }: GetBalanceAsOfQuery): Promise<BalanceAsOfView> {
    await assertAccountVisible(this.accounts, scope, accountId);
    const streamId = accountStreamId(accountId);
    const { state, version } = await this.accounts.load(streamId, { occurredAtOrBefore: asOf });
    if (state.status === 'NONE') {
      // Nothing had happened by then: an account opened later is not one that never existed,
      // and a caller reconciling statements needs to tell the two apart (and when it opened).
      const [opened] = await this.store.readStream(streamId, { toVersion: 1 });
      if (!opened) throw new AccountNotFoundError(accountId);
      throw new AccountNotYetOpenedError(accountId, asOf.toISOString(), opened.metadata.occurredAt);
    }
    return { balance: state.balance, currency: state.currency, asOf: asOf.toISOString(), version };
  }
}
