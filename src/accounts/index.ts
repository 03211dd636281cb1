// The public surface of the accounts context: the only file other contexts may import.
export { AccountsModule } from './accounts.module';
export { accountStreamId } from './domain/account.state';
export type { AccountEvent } from './domain/account.events';
export { accountProjections } from './projections';
export { AccountReadModels1732300000004 } from './projections/1732300000004-account-read-models.migration';
export {
  accountIntegrationEvents,
  AccountIntegrationEventType,
} from './integration/account-integration-events';
export { ACCOUNT_REPOSITORY } from './accounts.tokens';
export { assertAccountInScope, isAccountVisible } from './queries/account-access';
export { accountUpcasters } from './domain/account.upcasters';
export type { AccountRepository } from './queries/account-repository';
export { TransferStepCommand } from './commands/transfer-step.command';
export type { TransferStep } from './commands/transfer-step.command';
