import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ACCOUNT_COMMANDS } from '../accounts.tokens';
import {
  decideCancelTransferCredit,
  decideCreditForTransfer,
  decideDebitForTransfer,
  decideRefundTransfer,
  decideSettleTransferDebit,
} from '../domain/account.decide';
import { AccountEvent } from '../domain/account.events';
import { AccountState, accountStreamId } from '../domain/account.state';
import { AccountWriteResult, toWriteResult } from './account-command.results';
import { AccountCommands } from './account.executor';
import { TransferStep, TransferStepCommand } from './transfer-step.command';

function decideStep(step: TransferStep, state: AccountState): AccountEvent[] {
  switch (step.kind) {
    // The decisions copy their command into the event: pass only the step's own fields.
    case 'debit':
      return decideDebitForTransfer(
        { accountId: step.accountId, transferId: step.transferId, amount: step.amount },
        state,
      );
    case 'credit':
      return decideCreditForTransfer(
        {
          accountId: step.accountId,
          transferId: step.transferId,
          amount: step.amount,
          currency: step.currency,
        },
        state,
      );
    case 'cancel-credit':
      return decideCancelTransferCredit(
        { accountId: step.accountId, transferId: step.transferId },
        state,
      );
    case 'refund':
      return decideRefundTransfer(
        { accountId: step.accountId, transferId: step.transferId, amount: step.amount },
        state,
      );
    case 'settle-debit':
      return decideSettleTransferDebit(
        { accountId: step.accountId, transferId: step.transferId },
        state,
      );
    default: {
      const unknownStep: never = step;
      return unknownStep;
    }
  }
}

@CommandHandler(TransferStepCommand)
export class TransferStepHandler implements ICommandHandler<TransferStepCommand> {
  constructor(@Inject(ACCOUNT_COMMANDS) private readonly accounts: AccountCommands) {}

  execute({ step, context }: TransferStepCommand): Promise<AccountWriteResult> {
    return this.accounts.execute({
      streamId: accountStreamId(step.accountId),
      commandId: context.metadata.commandId,
      metadata: context.metadata,
      decide: (state) => decideStep(step, state),
      result: toWriteResult(step.accountId),
    });
  }
}
