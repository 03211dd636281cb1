import { CommandExecutor } from '@ledgerline/event-sourcing';
import { TransferEvent } from '../domain/transfer.events';
import { TransferState } from '../domain/transfer.state';

/** The command executor of transfer streams (load, decide, append, retry on conflict). */
export type TransferCommands = CommandExecutor<TransferState, TransferEvent>;
