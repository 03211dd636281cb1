// The public surface of the accounts context: the only file other contexts may import.
export { AccountsModule } from './accounts.module';
export { holdExpiryProcess } from './process/hold-expiry.process';
export { accountAggregate, accountStreamId } from './domain/account.state';
export { AccountEventType } from './domain/account.events';
export type { AccountEvent } from './domain/account.events';
export { AccountErrorCode } from './domain/account.errors';
export { accountSnapshots } from './domain/account.snapshots';
export { accountUpcasters } from './domain/account.upcasters';
export {
  accountIntegrationEvents,
  AccountIntegrationEventType,
} from './integration/account-integration-events';
export { ACCOUNT_REPOSITORY } from './accounts.tokens';
export { assertAccountInScope, isAccountVisible } from './queries/account-access';
export type { AccountRepository } from './accounts.repository';
export type { AccountCommands } from './commands/account.executor';
export { TransferStepCommand } from './commands/transfer-step.command';
export type { TransferStep } from './commands/transfer-step.command';
export {
  AccountClosed,
  AccountOpened,
  MoneyCreditedForTransfer,
  MoneyDebitedForTransfer,
  MoneyDeposited,
  MoneyWithdrawn,
  TransferCreditCancelled,
  TransferDebitRefunded,
  TransferDebitSettled,
} from './accounts.committed-events';
export { WithdrawMoneyCommand } from './commands/withdraw-money.command';
export { TRANSFER_COUNTERPARTS } from './statements/transfer-counterparts';
export type { TransferAccounts, TransferCounterparts } from './statements/transfer-counterparts';
