// The public surface of the accounts context: the only file other contexts may import.
export { AccountsModule } from './accounts.module';
export { accountStreamId } from './domain/account.state';
export type { AccountEvent } from './domain/account.events';
