import { Allow } from '../../auth/access-policy.decorator';
import { CallerScope } from '../../auth/caller.decorator';
import { AccessScope, coversCustomer } from '../../auth/principal';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, DATABASE_READ_PROBLEMS } from '../../common/http/api-problems.decorator';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ReadsProjection } from '../../projections/read-your-writes';
import { CustomerNotFoundError, customerStreamId } from '../../customers';
import { CUSTOMER_REPOSITORY_FOR_ACCOUNTS } from '../accounts.tokens';
import { CustomerLinks } from '../accounts.repository';
import { ACCOUNT_SUMMARIES } from '../projections/account-summaries.projection';
import { AccountPage, ListAccountsQuery } from '../queries/list-accounts.query';
import { CustomerAccountsRequestDto } from './dto/read-model.request.dto';
import { AccountPageDto } from './dto/read-model.response.dto';

/** A customer's accounts: served by the accounts context, which owns the account list. */
@ApiTags('customers')
@Controller('customers')
export class CustomerAccountsController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CUSTOMER_REPOSITORY_FOR_ACCOUNTS) private readonly customers: CustomerLinks,
  ) {}

  @Get(':id/accounts')
  @Allow('teller', 'auditor', 'customer')
  @ReadsProjection(ACCOUNT_SUMMARIES)
  @ApiOperation({
    operationId: 'listCustomerAccounts',
    summary:
      "The customer's accounts (open and closed) from the account-summaries read model, oldest first; 404 for a customer never registered",
  })
  @ApiOkResponse({ type: AccountPageDto })
  @ApiProblems(
    'INVALID_ID',
    'VALIDATION_FAILED',
    'INVALID_CURSOR',
    'CUSTOMER_NOT_FOUND',
    ...DATABASE_READ_PROBLEMS,
  )
  async list(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: CustomerAccountsRequestDto,
    @CallerScope() scope: AccessScope,
  ): Promise<AccountPage> {
    // Another customer's id answers as an unknown one does.
    if (!coversCustomer(scope, id)) throw new CustomerNotFoundError(id);
    // The customer's existence is checked on the book of record, not the read model.
    const { state } = await this.customers.load(customerStreamId(id));
    if (state.status === 'NONE') throw new CustomerNotFoundError(id);
    return this.queries.execute(
      new ListAccountsQuery(
        { customerId: id.toLowerCase(), status: query.status },
        query.limit ?? 50,
        query.cursor,
        scope,
      ),
    );
  }
}
