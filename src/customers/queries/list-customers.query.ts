import { AccessScope } from '../../auth/principal';
import { Query } from '@nestjs/cqrs';
import { CustomerPage } from './customer.views';

export class ListCustomersQuery extends Query<CustomerPage> {
  constructor(
    /** Case-insensitive prefix of the name or the email; undefined lists everyone. */
    readonly prefix: string | undefined,
    readonly limit: number,
    readonly cursor: string | undefined,
    /** A customer finds only their own record. */
    readonly scope: AccessScope,
  ) {
    super();
  }
}
