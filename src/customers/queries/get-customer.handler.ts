import { coversCustomer } from '../../auth/principal';
import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CustomerRepository } from '../customers.repository';
import { CUSTOMER_REPOSITORY } from '../customers.tokens';
import { CustomerNotFoundError } from '../domain/customer.errors';
import { customerStreamId } from '../domain/customer.state';
import { CustomerView } from './customer.views';
import { GetCustomerQuery } from './get-customer.query';

/**
 * An unregistered customer is still shown (status UNREGISTERED), an erased one too (ERASED,
 * its personal fields null); one never registered is 404.
 */
@QueryHandler(GetCustomerQuery)
export class GetCustomerHandler implements IQueryHandler<GetCustomerQuery> {
  constructor(@Inject(CUSTOMER_REPOSITORY) private readonly customers: CustomerRepository) {}

  async execute({ customerId, scope }: GetCustomerQuery): Promise<CustomerView> {
    // Another customer's record answers as an unknown one does.
    if (!coversCustomer(scope, customerId)) throw new CustomerNotFoundError(customerId);
    const { state, version } = await this.customers.load(customerStreamId(customerId));
    if (state.status === 'NONE') throw new CustomerNotFoundError(customerId);
    const erased = state.status === 'ERASED';
    return {
      id: state.id,
      name: erased ? null : state.name,
      email: erased ? null : state.email,
      documentNumber: erased ? null : state.documentNumber,
      status: state.status,
      openAccounts: state.openAccounts.length,
      version,
    };
  }
}
