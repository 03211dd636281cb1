import { AggregateRepository, CommandExecutor } from '@ledgerline/event-sourcing';
import { TransferEvent } from '../domain/transfer.events';
import { TransferState } from '../domain/transfer.state';

export type TransferRepository = AggregateRepository<TransferState, TransferEvent>;
export type TransferCommands = CommandExecutor<TransferState, TransferEvent>;

/** Response of a transfer write. */
export type TransferWriteResult = { id: string; version: number; position: string | null };
