import { Logger, Module } from '@nestjs/common';
import { EventSourcingModule } from '@ledgerline/event-sourcing/nest';
import {
  AggregateRepository,
  CommandExecutor,
  CommandObserver,
  EventStore,
  MultiStreamCommandExecutor,
} from '@ledgerline/event-sourcing';
import { customerAggregate } from '../customers';
import { EVENT_STORE } from '../database/database.tokens';
import { OPTIONAL_COMMAND_OBSERVER } from '../observability/metrics/metrics.tokens';
import {
  ACCOUNT_COMMANDS,
  ACCOUNT_CUSTOMER_COMMANDS,
  ACCOUNT_REPOSITORY,
  CUSTOMER_REPOSITORY_FOR_ACCOUNTS,
} from './accounts.tokens';
import { CloseAccountHandler } from './commands/close-account.handler';
import { DepositMoneyHandler } from './commands/deposit-money.handler';
import { OpenAccountHandler } from './commands/open-account.handler';
import { TransferStepHandler } from './commands/transfer-step.handler';
import { WithdrawMoneyHandler } from './commands/withdraw-money.handler';
import { SetOverdraftLimitHandler } from './commands/set-overdraft-limit.handler';
import {
  CaptureHoldHandler,
  ExpireHoldHandler,
  PlaceHoldHandler,
  ReleaseHoldHandler,
} from './commands/hold.handlers';
import { holdExpiryProcess } from './process/hold-expiry.process';
import { accountSnapshots } from './domain/account.snapshots';
import { accountUpcasters } from './domain/account.upcasters';
import { accountIntegrationEvents } from './integration/account-integration-events';
import { accountProjections } from './projections';
import { accountAggregate } from './domain/account.state';
import { AccountsController } from './http/accounts.controller';
import { HoldsController } from './http/holds.controller';
import { CustomerAccountsController } from './http/customer-accounts.controller';
import { ReportsController } from './http/reports.controller';
import { GetDailyTotalsHandler } from './queries/get-daily-totals.handler';
import { ListAccountsHandler } from './queries/list-accounts.handler';
import { AccountRepository } from './accounts.repository';
import { GetAccountHistoryHandler } from './queries/get-account-history.handler';
import { GetAccountHandler } from './queries/get-account.handler';
import { GetBalanceAsOfHandler } from './queries/get-balance-as-of.handler';
import { GetStatementHandler } from './queries/get-statement.handler';
import { GetHoldHandler } from './queries/get-hold.handler';

const snapshotLog = new Logger('Snapshots');

const CommandHandlers = [
  OpenAccountHandler,
  DepositMoneyHandler,
  WithdrawMoneyHandler,
  CloseAccountHandler,
  SetOverdraftLimitHandler,
  TransferStepHandler,
  PlaceHoldHandler,
  CaptureHoldHandler,
  ReleaseHoldHandler,
  ExpireHoldHandler,
];
const QueryHandlers = [
  GetAccountHandler,
  GetAccountHistoryHandler,
  GetBalanceAsOfHandler,
  GetStatementHandler,
  GetHoldHandler,
  ListAccountsHandler,
  GetDailyTotalsHandler,
];

/** The accounts bounded context: open, deposit, withdraw, close; reads from the stream. */
@Module({
  imports: [
    EventSourcingModule.forFeature({
      name: 'accounts',
      projections: accountProjections,
      upcasters: accountUpcasters,
      outbox: accountIntegrationEvents,
      processManagers: [holdExpiryProcess],
    }),
  ],
  controllers: [AccountsController, HoldsController, CustomerAccountsController, ReportsController],
  providers: [
    ...CommandHandlers,
    ...QueryHandlers,
    {
      provide: ACCOUNT_REPOSITORY,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) =>
        new AggregateRepository(store, accountAggregate, accountSnapshots, ({ streamId, reason }) =>
          snapshotLog.warn(`snapshot of ${streamId} ignored (${reason}); replaying the stream`),
        ),
    },
    {
      provide: ACCOUNT_COMMANDS,
      inject: [EVENT_STORE, ACCOUNT_REPOSITORY, OPTIONAL_COMMAND_OBSERVER],
      useFactory: (store: EventStore, repository: AccountRepository, observer?: CommandObserver) =>
        new CommandExecutor(store, repository, { observer }),
    },
    {
      provide: CUSTOMER_REPOSITORY_FOR_ACCOUNTS,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new AggregateRepository(store, customerAggregate),
    },
    {
      provide: ACCOUNT_CUSTOMER_COMMANDS,
      inject: [EVENT_STORE, OPTIONAL_COMMAND_OBSERVER],
      useFactory: (store: EventStore, observer?: CommandObserver) =>
        new MultiStreamCommandExecutor(store, { observer }),
    },
  ],
  exports: [ACCOUNT_REPOSITORY],
})
export class AccountsModule {}
