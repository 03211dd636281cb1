import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountNotFoundError } from '../domain/account.errors';
import { accountStreamId } from '../domain/account.state';
import { assertAccountVisible } from './account-access';
import { AccountRepository } from '../accounts.repository';
import { BalanceAsOfView } from './account.views';
import { GetBalanceAsOfQuery } from './get-balance-as-of.query';

/** A temporal query: the stream folded up to the events that had occurred by `asOf`. */
@QueryHandler(GetBalanceAsOfQuery)
export class GetBalanceAsOfHandler implements IQueryHandler<GetBalanceAsOfQuery> {
  constructor(@Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository) {}

  async execute({ accountId, asOf, scope }: GetBalanceAsOfQuery): Promise<BalanceAsOfView> {
    await assertAccountVisible(this.accounts, scope, accountId);
    const { state, version } = await this.accounts.load(accountStreamId(accountId), {
      occurredAtOrBefore: asOf,
    });
    if (state.status === 'NONE') throw new AccountNotFoundError(accountId);
    return { balance: state.balance, currency: state.currency, asOf: asOf.toISOString(), version };
  }
}
