import { CommandExecutor } from '@ledgerline/event-sourcing';
import { AccountEvent } from '../domain/account.events';
import { AccountState } from '../domain/account.state';

/** The command executor of account streams (load, decide, append, retry on conflict). */
export type AccountCommands = CommandExecutor<AccountState, AccountEvent>;
