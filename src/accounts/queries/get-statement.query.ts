import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { StatementView } from '../statements/statement';

export class GetStatementQuery extends Query<StatementView> {
  constructor(
    readonly accountId: string,
    readonly from: Date,
    readonly to: Date,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
