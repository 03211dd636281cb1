import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountNotFoundError } from '../domain/account.errors';
import { accountBalances, accountStreamId } from '../domain/account.state';
import { assertAccountInScope } from './account-access';
import { AccountRepository } from '../accounts.repository';
import { AccountView } from './account.views';
import { GetAccountQuery } from './get-account.query';

/** Reads the account from its stream (the book of record), not from a read model. */
@QueryHandler(GetAccountQuery)
export class GetAccountHandler implements IQueryHandler<GetAccountQuery> {
  constructor(@Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository) {}

  async execute({ accountId, scope }: GetAccountQuery): Promise<AccountView> {
    const { state, version } = await this.accounts.load(accountStreamId(accountId));
    if (state.status === 'NONE') throw new AccountNotFoundError(accountId);
    assertAccountInScope(scope, accountId, state);
    const { id, customerId, currency, balance, status } = state;
    return { id, customerId, currency, balance, ...accountBalances(state), status, version };
  }
}
