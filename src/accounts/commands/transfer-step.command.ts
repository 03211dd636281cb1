import { Command } from '@nestjs/cqrs';
import { CommandContext } from '../../common/commands/command-context';
import { AccountWriteResult } from './account-command.results';

/** One account's part in a transfer, as the transfer process sends it. */
export type TransferStep =
  | { kind: 'debit'; accountId: string; transferId: string; amount: number }
  | { kind: 'credit'; accountId: string; transferId: string; amount: number; currency: string }
  | { kind: 'cancel-credit'; accountId: string; transferId: string }
  | { kind: 'refund'; accountId: string; transferId: string; amount: number }
  | { kind: 'settle-debit'; accountId: string; transferId: string };

/** Idempotent by transfer id (the account records each step once) and by command id. */
export class TransferStepCommand extends Command<AccountWriteResult> {
  constructor(
    readonly step: TransferStep,
    readonly context: CommandContext,
  ) {
    super();
  }
}
