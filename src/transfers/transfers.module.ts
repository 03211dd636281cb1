import { DynamicModule, Module } from '@nestjs/common';
import {
  AggregateRepository,
  CommandExecutor,
  CommandObserver,
  EventStore,
} from '@ledgerline/event-sourcing';
import { EventSourcingModule } from '@ledgerline/event-sourcing/nest';
import { AccountsModule, TRANSFER_COUNTERPARTS } from '../accounts';
import { EVENT_STORE } from '../database/database.tokens';
import { OPTIONAL_COMMAND_OBSERVER } from '../observability/metrics/metrics.tokens';
import { ApproveTransferHandler } from './commands/approve-transfer.handler';
import { InitiateTransferHandler } from './commands/initiate-transfer.handler';
import { RejectTransferHandler } from './commands/reject-transfer.handler';
import { SettleTransferHandler } from './commands/settle-transfer.handler';
import { TransferRepository } from './transfers.repository';
import { transferAggregate } from './domain/transfer.state';
import { AdminProcessManagersController } from './http/admin-process-managers.controller';
import { AdminTransfersController } from './http/admin-transfers.controller';
import { TransfersController } from './http/transfers.controller';
import { TransferProcessService } from './process/transfer-process.service';
import { transferProcess } from './process/transfer.process';
import { transferSummariesProjection } from './projections';
import { GetTransferHandler } from './queries/get-transfer.handler';
import { ListStuckTransfersHandler } from './queries/list-stuck-transfers.handler';
import { ListTransfersHandler } from './queries/list-transfers.handler';
import { TransferCounterpartsReader } from './queries/transfer-counterparts.reader';
import {
  TRANSFER_COMMANDS,
  TRANSFER_OPTIONS,
  TRANSFER_REPOSITORY,
  TransferOptions,
} from './transfers.tokens';

const CommandHandlers = [
  InitiateTransferHandler,
  ApproveTransferHandler,
  RejectTransferHandler,
  SettleTransferHandler,
];
const QueryHandlers = [GetTransferHandler, ListTransfersHandler, ListStuckTransfersHandler];

/**
 * Transfers between accounts, driven by a durable process manager. The process itself runs
 * as a projection (registered here); this module sends its commands and deadlines.
 */
@Module({})
export class TransfersModule {
  static forRoot(options: TransferOptions): DynamicModule {
    return {
      module: TransfersModule,
      imports: [
        AccountsModule,
        EventSourcingModule.forFeature({
          name: 'transfers',
          projections: [transferSummariesProjection],
          processManagers: [transferProcess(options)],
        }),
      ],
      controllers: [TransfersController, AdminTransfersController, AdminProcessManagersController],
      providers: [
        ...CommandHandlers,
        ...QueryHandlers,
        TransferProcessService,
        { provide: TRANSFER_OPTIONS, useValue: options },
        // The port statements use to name a transfer movement's other account.
        { provide: TRANSFER_COUNTERPARTS, useClass: TransferCounterpartsReader },
        {
          provide: TRANSFER_REPOSITORY,
          inject: [EVENT_STORE],
          useFactory: (store: EventStore) => new AggregateRepository(store, transferAggregate),
        },
        {
          provide: TRANSFER_COMMANDS,
          inject: [EVENT_STORE, TRANSFER_REPOSITORY, OPTIONAL_COMMAND_OBSERVER],
          useFactory: (
            store: EventStore,
            repository: TransferRepository,
            observer?: CommandObserver,
          ) => new CommandExecutor(store, repository, { observer }),
        },
      ],
    };
  }
}
