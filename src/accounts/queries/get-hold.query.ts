import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../auth/principal';
import { HoldView } from './account.views';

export class GetHoldQuery extends Query<HoldView> {
  constructor(
    readonly accountId: string,
    readonly holdId: string,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
