import type { CommandBus, ICommand } from '@nestjs/cqrs';
import { processCommand, ProcessCommand, StoredProcessCommand } from '@ledgerline/event-sourcing';
import { processCommandId } from '@ledgerline/event-sourcing/nest';
import { TransferStepCommand } from '../../accounts';
import { ALL_CUSTOMERS } from '../../auth/principal';
import { PROCESS_COMMAND_CONTEXT } from '../../common/commands/process-command-context';
import { processCommandSender } from '../../common/commands/process-command-sender';
import { DomainError } from '../../shared-kernel/domain-error';
import { SettleTransferCommand } from '../commands/settle-transfer.command';
import {
  TRANSFER_PROCESS_COMMAND_CLASSES,
  transferCommandLabel,
  upcastLegacyTransferCommand,
} from './transfer-process.commands';

/*
 * The transfer process's sender as TransferProcessService builds it, on a CommandBus that
 * records what it is given: a stored command, of this version or of the one before command
 * objects, reaches its handler as the command object it stands for, with its real context.
 */

const transferId = 'tr-1';
const from = 'acc-from';
const to = 'acc-to';

function sender() {
  const executed: ICommand[] = [];
  const bus = {
    execute: (command: ICommand) => {
      executed.push(command);
      return Promise.resolve();
    },
  } as unknown as CommandBus;
  const send = processCommandSender(bus, {
    classes: TRANSFER_PROCESS_COMMAND_CLASSES,
    upcast: upcastLegacyTransferCommand,
    label: transferCommandLabel,
  });
  return { send, executed };
}

const row = (command: ProcessCommand, id = 'stored-1'): StoredProcessCommand => ({
  ...command,
  id,
  manager: 'transfer-process',
  processId: transferId,
  causationId: 'cause-1',
  correlationId: 'correlation-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  attempts: 0,
  claimToken: 'claim',
});

/** The context it is sent with: the stored id as command id, the cause's ids and trace. */
const sentContext = (id: string) => ({
  metadata: {
    commandId: id,
    correlationId: 'correlation-1',
    causationId: 'cause-1',
    actor: 'system:transfer-process',
    occurredAt: expect.any(String),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
  scope: ALL_CUSTOMERS,
});

// Stored by the version before command objects: its types and fields, no context.
const legacy: [ProcessCommand, TransferStepCommand | SettleTransferCommand, string][] = [
  [
    { type: 'DebitForTransfer', data: { accountId: from, transferId, amount: 250 } },
    new TransferStepCommand(
      { kind: 'debit', accountId: from, transferId, amount: 250 },
      PROCESS_COMMAND_CONTEXT,
    ),
    'TransferStepCommand debit',
  ],
  [
    {
      type: 'CreditForTransfer',
      data: { accountId: to, transferId, amount: 250, currency: 'EUR' },
    },
    new TransferStepCommand(
      { kind: 'credit', accountId: to, transferId, amount: 250, currency: 'EUR' },
      PROCESS_COMMAND_CONTEXT,
    ),
    'TransferStepCommand credit',
  ],
  [
    { type: 'CancelTransferCredit', data: { accountId: to, transferId } },
    new TransferStepCommand(
      { kind: 'cancel-credit', accountId: to, transferId },
      PROCESS_COMMAND_CONTEXT,
    ),
    'TransferStepCommand cancel-credit',
  ],
  [
    { type: 'RefundTransfer', data: { accountId: from, transferId, amount: 250 } },
    new TransferStepCommand(
      { kind: 'refund', accountId: from, transferId, amount: 250 },
      PROCESS_COMMAND_CONTEXT,
    ),
    'TransferStepCommand refund',
  ],
  [
    { type: 'SettleTransferDebit', data: { accountId: from, transferId } },
    new TransferStepCommand(
      { kind: 'settle-debit', accountId: from, transferId },
      PROCESS_COMMAND_CONTEXT,
    ),
    'TransferStepCommand settle-debit',
  ],
  [
    {
      type: 'SettleTransfer',
      data: { transferId, outcome: 'COMPENSATED', reason: 'CREDIT_DEADLINE_PASSED' },
    },
    new SettleTransferCommand(
      transferId,
      'COMPENSATED',
      'CREDIT_DEADLINE_PASSED',
      PROCESS_COMMAND_CONTEXT,
    ),
    'SettleTransferCommand',
  ],
  [
    { type: 'SettleTransfer', data: { transferId, outcome: 'COMPLETED', reason: null } },
    new SettleTransferCommand(transferId, 'COMPLETED', null, PROCESS_COMMAND_CONTEXT),
    'SettleTransferCommand',
  ],
];

describe('the transfer process sender', () => {
  it.each(legacy)(
    'sends a command stored by the version before command objects (%j) as the command of today',
    async (stored, expected, label) => {
      const { send, executed } = sender();
      await send.send(row(stored, 'old-1'));
      expect(executed).toHaveLength(1);
      const [command] = executed;
      expect(command).toBeInstanceOf(expected.constructor);
      expect(command).toEqual({ ...expected, context: sentContext('old-1') });
      expect(processCommandId(command)).toBe('old-1');
      expect(transferCommandLabel(stored)).toBe(label);
    },
  );

  it.each(legacy)(
    'sends the command object that replaced it (%j), stored as its class and fields, alike',
    async (_old, command, label) => {
      const stored = processCommand(command);
      expect(stored.type).toBe(command.constructor.name);
      const { send, executed } = sender();
      await send.send(row(stored, 'new-1'));
      expect(executed).toHaveLength(1);
      expect(executed[0]).toBeInstanceOf(command.constructor);
      expect(executed[0]).toEqual({ ...command, context: sentContext('new-1') });
      expect(transferCommandLabel(stored)).toBe(label);
    },
  );

  it('never sends an old command whose fields are not what that version wrote, nor an unknown type', async () => {
    const { send, executed } = sender();
    for (const broken of <ProcessCommand[]>[
      { type: 'DebitForTransfer', data: { accountId: from, transferId, amount: '250' } },
      { type: 'CreditForTransfer', data: { accountId: to, transferId, amount: 250 } },
      { type: 'SettleTransfer', data: { transferId, outcome: 'DONE', reason: null } },
    ])
      await expect(send.send(row(broken))).rejects.toThrow(`stored ${broken.type} has`);
    await expect(send.send(row({ type: 'PayInterest', data: {} }))).rejects.toThrow(
      'no command class or upcaster knows PayInterest',
    );
    expect(executed).toEqual([]);
    expect(transferCommandLabel({ type: 'PayInterest', data: {} })).toBe('PayInterest');
  });

  it('hands back the code of a refusal (a DomainError), and null for a failure to retry', () => {
    class Refused extends DomainError {
      readonly code = 'INSUFFICIENT_FUNDS';
    }
    const { send } = sender();
    expect(send.rejectionCode(new Refused('no'))).toBe('INSUFFICIENT_FUNDS');
    expect(send.rejectionCode(new Error('connection reset'))).toBeNull();
  });
});
