import {
  commandClassesByName,
  JsonObject,
  ProcessCommand,
  restoreCommand,
} from '@ledgerline/event-sourcing';
import { TransferStep, TransferStepCommand } from '../../accounts';
import { PROCESS_COMMAND_CONTEXT } from '../../common/commands/process-command-context';
import { SettleTransferCommand } from '../commands/settle-transfer.command';
import { TransferOutcome } from '../domain/transfer.decide';

/** What the transfer process sends: a step on one account, or the end of the transfer. */
export type TransferProcessCommand = TransferStepCommand | SettleTransferCommand;

/** The classes of the transfer process's commands, by class name (their stored type). */
export const TRANSFER_PROCESS_COMMAND_CLASSES = commandClassesByName([
  TransferStepCommand,
  SettleTransferCommand,
]);

/**
 * The types the transfer process stored its commands under before it stored command objects
 * (each with its own fields, no context). Commands of these types may still be in the table
 * after an upgrade, pending or to be sent again: upcastLegacyTransferCommand reads them.
 */
export const LEGACY_TRANSFER_COMMAND_TYPES = [
  'DebitForTransfer',
  'CreditForTransfer',
  'CancelTransferCredit',
  'RefundTransfer',
  'SettleTransferDebit',
  'SettleTransfer',
] as const;

const OUTCOMES: readonly string[] = [
  'COMPLETED',
  'FAILED',
  'COMPENSATED',
] satisfies TransferOutcome[];

/** Reads the fields of one stored command; a field of the wrong type throws (never sent as garbage). */
function fieldsOf(stored: ProcessCommand) {
  const data: JsonObject = stored.data;
  const wrong = (key: string, expected: string) =>
    new Error(`stored ${stored.type} has ${key} ${JSON.stringify(data[key])}, not ${expected}`);
  const text = (key: string): string => {
    const value = data[key];
    if (typeof value !== 'string') throw wrong(key, 'a string');
    return value;
  };
  return {
    text,
    amount: (key: string): number => {
      const value = data[key];
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrong(key, 'an amount');
      return value;
    },
    textOrNull: (key: string): string | null => (data[key] === null ? null : text(key)),
    outcome: (key: string): TransferOutcome => {
      const value = data[key];
      if (typeof value !== 'string' || !OUTCOMES.includes(value)) throw wrong(key, 'an outcome');
      return value as TransferOutcome;
    },
  };
}

const step = (value: TransferStep): TransferStepCommand =>
  new TransferStepCommand(value, PROCESS_COMMAND_CONTEXT);

/**
 * The read-side upcaster of the transfer process's stored commands: a command stored by the
 * version before command objects, under one of LEGACY_TRANSFER_COMMAND_TYPES with that
 * version's fields, read as the command object this version decides in its place (the same
 * step, with PROCESS_COMMAND_CONTEXT, replaced when it is sent). Undefined for any other type:
 * such a command is stored as its class name and fields, and restored as it is. Stored rows are
 * never rewritten: the sender reads a pending or retried old command through this, and the
 * process reads an old command that was refused through it too.
 * @throws Error for an old command whose fields are not what that version wrote
 */
export function upcastLegacyTransferCommand(
  stored: ProcessCommand,
): TransferProcessCommand | undefined {
  const field = fieldsOf(stored);
  const on = () => ({ accountId: field.text('accountId'), transferId: field.text('transferId') });
  switch (stored.type) {
    case 'DebitForTransfer':
      return step({ kind: 'debit', ...on(), amount: field.amount('amount') });
    case 'CreditForTransfer':
      return step({
        kind: 'credit',
        ...on(),
        amount: field.amount('amount'),
        currency: field.text('currency'),
      });
    case 'CancelTransferCredit':
      return step({ kind: 'cancel-credit', ...on() });
    case 'RefundTransfer':
      return step({ kind: 'refund', ...on(), amount: field.amount('amount') });
    case 'SettleTransferDebit':
      return step({ kind: 'settle-debit', ...on() });
    case 'SettleTransfer':
      return new SettleTransferCommand(
        field.text('transferId'),
        field.outcome('outcome'),
        field.textOrNull('reason'),
        PROCESS_COMMAND_CONTEXT,
      );
    default:
      return undefined;
  }
}

/**
 * A stored command of the transfer process as the command object it stands for, whichever
 * version stored it; undefined for a type it does not send.
 */
export function readTransferProcessCommand(
  stored: ProcessCommand,
): TransferProcessCommand | undefined {
  const command =
    upcastLegacyTransferCommand(stored) ?? restoreCommand(stored, TRANSFER_PROCESS_COMMAND_CLASSES);
  return command instanceof TransferStepCommand || command instanceof SettleTransferCommand
    ? command
    : undefined;
}

/**
 * What a stored command of the transfer process does, for people (span names, logs, the admin
 * list): its class, and for a step its kind (`TransferStepCommand credit`); the same for a
 * command stored by an earlier version. The stored type when it cannot be read.
 */
export function transferCommandLabel(stored: ProcessCommand): string {
  let command: TransferProcessCommand | undefined;
  try {
    command = readTransferProcessCommand(stored);
  } catch {
    return stored.type;
  }
  if (command instanceof TransferStepCommand)
    return `${TransferStepCommand.name} ${command.step.kind}`;
  return command ? SettleTransferCommand.name : stored.type;
}
