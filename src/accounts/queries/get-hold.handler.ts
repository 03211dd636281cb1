import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ACCOUNT_REPOSITORY } from '../accounts.tokens';
import { AccountRepository } from '../accounts.repository';
import { AccountNotFoundError } from '../domain/account.errors';
import { accountStreamId } from '../domain/account.state';
import { HoldNotFoundError } from '../domain/hold.errors';
import { assertAccountInScope } from './account-access';
import { HoldView } from './account.views';
import { GetHoldQuery } from './get-hold.query';

/** Reads a hold from its account's stream (the book of record). */
@QueryHandler(GetHoldQuery)
export class GetHoldHandler implements IQueryHandler<GetHoldQuery> {
  constructor(@Inject(ACCOUNT_REPOSITORY) private readonly accounts: AccountRepository) {}

  async execute({ accountId, holdId, scope }: GetHoldQuery): Promise<HoldView> {
    const { state, version } = await this.accounts.load(accountStreamId(accountId));
    if (state.status === 'NONE') throw new AccountNotFoundError(accountId);
    assertAccountInScope(scope, accountId, state);
    const hold = state.holds[holdId];
    if (hold === undefined) throw new HoldNotFoundError(accountId, holdId);
    return { id: holdId, accountId, ...hold, version };
  }
}
