import { AccessScope } from '../../auth/principal';
import { Query } from '@nestjs/cqrs';
import { CustomerView } from './customer.views';

export class GetCustomerQuery extends Query<CustomerView> {
  constructor(
    readonly customerId: string,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
