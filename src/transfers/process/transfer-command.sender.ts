import { Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ProcessCommandSender, StoredProcessCommand } from '@ledgerline/event-sourcing';
import { TransferStepCommand } from '../../accounts';
import { processCommandContext } from '../../common/commands/process-command-context';
import { activeTraceparent } from '../../observability/tracing/traceparent';
import { DomainError } from '../../shared-kernel/domain-error';
import { SettleTransferCommand } from '../commands/settle-transfer.command';
import { TransferOutcome } from '../domain/transfer.decide';
import { TransferProcessCommand } from './transfer.process';

const text = (value: unknown): string => String(value);
const amount = (value: unknown): number => Number(value);

/**
 * Turns the transfer process's stored commands into CommandBus commands. The stored id is the
 * command id, so a resend after a crash is answered from the event store's command record.
 */
export class TransferCommandSender implements ProcessCommandSender {
  private readonly logger = new Logger('TransferProcess');

  constructor(private readonly commands: CommandBus) {}

  async send(command: StoredProcessCommand): Promise<void> {
    // The send's own span when tracing is on (TracedProcessCommandSender runs this under it);
    // else the cause's, passed on so a later traced step still finds the trace.
    const traceparent = activeTraceparent() ?? command.traceparent;
    this.logger.debug({
      msg: `sending ${command.type}`,
      commandId: command.id,
      processId: command.processId,
      attempt: command.attempts + 1,
      correlationId: command.correlationId,
    });
    const context = processCommandContext(command, traceparent);
    const d = command.data;
    const base = { accountId: text(d.accountId), transferId: text(d.transferId) };
    switch (command.type) {
      case TransferProcessCommand.debit:
        await this.commands.execute(
          new TransferStepCommand({ kind: 'debit', ...base, amount: amount(d.amount) }, context),
        );
        return;
      case TransferProcessCommand.credit:
        await this.commands.execute(
          new TransferStepCommand(
            { kind: 'credit', ...base, amount: amount(d.amount), currency: text(d.currency) },
            context,
          ),
        );
        return;
      case TransferProcessCommand.cancelCredit:
        await this.commands.execute(
          new TransferStepCommand({ kind: 'cancel-credit', ...base }, context),
        );
        return;
      case TransferProcessCommand.refund:
        await this.commands.execute(
          new TransferStepCommand({ kind: 'refund', ...base, amount: amount(d.amount) }, context),
        );
        return;
      case TransferProcessCommand.settleDebit:
        await this.commands.execute(
          new TransferStepCommand({ kind: 'settle-debit', ...base }, context),
        );
        return;
      case TransferProcessCommand.settle:
        await this.commands.execute(
          new SettleTransferCommand(
            text(d.transferId),
            text(d.outcome) as TransferOutcome,
            d.reason === null ? null : text(d.reason),
            context,
          ),
        );
        return;
      default:
        throw new Error(`the transfer process has no command ${command.type}`);
    }
  }

  rejectionCode(error: unknown): string | null {
    return error instanceof DomainError ? error.code : null;
  }
}
