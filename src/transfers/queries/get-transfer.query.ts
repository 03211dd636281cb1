import { AccessScope } from '../../auth/principal';
import { Query } from '@nestjs/cqrs';
import { TransferView } from './transfer.views';

export class GetTransferQuery extends Query<TransferView> {
  constructor(
    readonly transferId: string,
    readonly scope: AccessScope,
  ) {
    super();
  }
}
