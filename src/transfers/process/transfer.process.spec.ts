import {
  DeadlineRequest,
  JsonObject,
  processCommand,
  ProcessCommand,
  ProcessDecision,
  RecordedEvent,
} from '@ledgerline/event-sourcing';
import { TransferStepCommand } from '../../accounts';
import { PROCESS_COMMAND_CONTEXT } from '../../common/commands/process-command-context';
import { SettleTransferCommand } from '../commands/settle-transfer.command';
import { APPROVAL_DEADLINE_PASSED, TransferOutcome } from '../domain/transfer.decide';
import {
  LEGACY_TRANSFER_COMMAND_TYPES,
  readTransferProcessCommand,
  TransferProcessCommand,
} from './transfer-process.commands';
import {
  APPROVAL_DEADLINE,
  APPROVAL_REJECTED,
  CREDIT_DEADLINE,
  CREDIT_DEADLINE_PASSED,
  TRANSFER_PROCESS,
  transferProcess,
  TransferProcessState,
} from './transfer.process';

/*
 * The transfer process's decisions as given/when/then specifications. Time is virtual: every
 * step happens at an instant given by hand (`at('+30s')` is 30 s after a fixed T0), and the
 * decisions receive it as `now`; nothing here waits or reads the real clock.
 */

const CREDIT_TIMEOUT_MS = 30_000;
const APPROVAL_TIMEOUT_MS = 3_600_000;
const manager = transferProcess({
  creditTimeoutMs: CREDIT_TIMEOUT_MS,
  approvalTimeoutMs: APPROVAL_TIMEOUT_MS,
});

const T0 = Date.parse('2025-03-01T09:00:00.000Z');
type Offset = `${'+' | '-'}${number}${'ms' | 's' | 'm' | 'h'}`;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** An instant of the virtual clock, relative to T0: `at('+30s')`, `at('+1500ms')`, `at('+2m')`. */
function at(offset: Offset): Date {
  const match = /^([+-]\d+)(ms|s|m|h)$/.exec(offset);
  if (!match) throw new Error(`not an offset: ${offset}`);
  return new Date(T0 + Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

const transferId = 'tr-1';
const from = 'acc-from';
const to = 'acc-to';
const amount = 2_500;
const currency = 'EUR';

/** One thing that happens to the process: an event, a refused command, or a due deadline. */
type Step =
  | { readonly kind: 'event'; readonly type: string; readonly data: JsonObject; readonly at: Date }
  | {
      readonly kind: 'rejected';
      readonly command: ProcessCommand;
      readonly code: string;
      readonly at: Date;
    }
  | { readonly kind: 'deadline'; readonly key: string; readonly at: Date };

let position = 0n;
const event = (type: string, data: JsonObject, time: Date): Step => ({
  kind: 'event',
  type,
  data,
  at: time,
});

function recorded(step: Extract<Step, { kind: 'event' }>): RecordedEvent {
  position++;
  return {
    transactionId: position,
    globalPosition: position,
    eventId: `event-${position}`,
    streamId: step.type.startsWith('Transfer') ? `transfer-${transferId}` : 'account-x',
    streamVersion: 1,
    type: step.type,
    schemaVersion: 1,
    data: step.data,
    metadata: {
      commandId: `command-${position}`,
      correlationId: transferId,
      causationId: `cause-${position}`,
      actor: 'test',
      occurredAt: step.at.toISOString(),
    },
    recordedAt: step.at,
  };
}

// The events the process listens to, each at its own virtual instant.
const initiated = (time = at('+0s')) =>
  event(
    'TransferInitiated',
    { transferId, fromAccountId: from, toAccountId: to, amount, currency },
    time,
  );
/** Above the approval threshold: recorded with its initiator, nothing moves until approved. */
const awaiting = (time = at('+0s')) =>
  event(
    'TransferInitiated',
    {
      transferId,
      fromAccountId: from,
      toAccountId: to,
      amount,
      currency,
      approval: { initiatedBy: 'user:teller-1' },
    },
    time,
  );
const approved = (time = at('+10m')) =>
  event('TransferApproved', { transferId, approvedBy: 'user:teller-2' }, time);
const rejected = (time = at('+10m')) =>
  event('TransferRejected', { transferId, rejectedBy: 'user:teller-2', reason: null }, time);
const expired = (time = at('+61m')) =>
  event('TransferExpired', { transferId, reason: APPROVAL_DEADLINE_PASSED }, time);
const debited = (time = at('+1s')) =>
  event('MoneyDebitedForTransfer', { accountId: from, transferId, amount }, time);
const credited = (time = at('+2s')) =>
  event('MoneyCreditedForTransfer', { accountId: to, transferId, amount }, time);
const creditCancelled = (time = at('+32s')) =>
  event('TransferCreditCancelled', { accountId: to, transferId }, time);
const refunded = (time = at('+33s')) =>
  event('TransferDebitRefunded', { accountId: from, transferId, amount }, time);
/** `command`, as the process decided it, refused with `code`. */
const refused = (command: TransferProcessCommand, code: string, time = at('+2s')): Step =>
  refusedAsStored(processCommand(command), code, time);
/** A command as stored (by this version or an earlier one), refused with `code`. */
const refusedAsStored = (command: ProcessCommand, code: string, time = at('+2s')): Step => ({
  kind: 'rejected',
  command,
  code,
  at: time,
});
const deadline = (key: string, time: Date): Step => ({ kind: 'deadline', key, at: time });

// The commands the process sends, exactly as it is expected to send them: command objects,
// with the placeholder context the sender replaces.
const debit = () =>
  new TransferStepCommand(
    { kind: 'debit', accountId: from, transferId, amount },
    PROCESS_COMMAND_CONTEXT,
  );
const credit = () =>
  new TransferStepCommand(
    { kind: 'credit', accountId: to, transferId, amount, currency },
    PROCESS_COMMAND_CONTEXT,
  );
const cancelCredit = () =>
  new TransferStepCommand(
    { kind: 'cancel-credit', accountId: to, transferId },
    PROCESS_COMMAND_CONTEXT,
  );
const refund = () =>
  new TransferStepCommand(
    { kind: 'refund', accountId: from, transferId, amount },
    PROCESS_COMMAND_CONTEXT,
  );
/** On completion the source learns its debit is final (it may be closed only after). */
const settleDebit = () =>
  new TransferStepCommand(
    { kind: 'settle-debit', accountId: from, transferId },
    PROCESS_COMMAND_CONTEXT,
  );
const settle = (outcome: TransferOutcome, reason: string | null) =>
  new SettleTransferCommand(transferId, outcome, reason, PROCESS_COMMAND_CONTEXT);

/** Commands as the process stores them (their class name and fields). */
const stored = (...commands: TransferProcessCommand[]): ProcessCommand[] =>
  commands.map((command) => processCommand(command));

function decide(state: TransferProcessState, step: Step): ProcessDecision<TransferProcessState> {
  switch (step.kind) {
    case 'event':
      return manager.onEvent(state, recorded(step), step.at);
    case 'rejected':
      return manager.onRejected(state, step.command, step.code, step.at);
    case 'deadline':
      return manager.onDeadline(state, step.key, step.at);
  }
}

interface Expected {
  readonly phase: TransferProcessState['phase'];
  readonly reason?: string | null;
  /** Compared as stored: class name and every field, so another step or field fails. */
  readonly commands?: readonly TransferProcessCommand[];
  readonly schedule?: readonly DeadlineRequest[];
  readonly cancel?: readonly string[];
}

/**
 * `givenProcess(...past).when(step).then({ phase, commands, schedule, cancel })`: folds the
 * past steps through the process's own decisions, then checks the decision for `step`.
 * Omitted `commands`, `schedule` and `cancel` mean none; `reason` is checked when given.
 * `thenNothing()`: the step changes nothing and decides nothing (idempotent / out of phase).
 */
function givenProcess(...past: Step[]) {
  const state = past.reduce((current, step) => decide(current, step).state, manager.initialState());
  return {
    state,
    when(step: Step) {
      const decision = decide(state, step);
      const actual = {
        phase: decision.state.phase,
        commands: decision.commands ?? [],
        schedule: decision.schedule ?? [],
        cancel: decision.cancel ?? [],
      };
      return {
        decision,
        then(expected: Expected): void {
          const { reason, commands = [], ...rest } = expected;
          expect(actual).toEqual({
            schedule: [],
            cancel: [],
            ...rest,
            commands: stored(...commands),
          });
          if (reason !== undefined) expect(decision.state.reason).toBe(reason);
          // The transfer's facts are never lost along the way.
          expect(decision.state).toMatchObject({
            transferId,
            fromAccountId: from,
            toAccountId: to,
            amount,
            currency,
          });
        },
        thenNothing(): void {
          expect(actual).toEqual({ phase: state.phase, commands: [], schedule: [], cancel: [] });
          expect(decision.state).toEqual(state);
        },
      };
    },
  };
}

describe('the transfer process', () => {
  it('has a stable name, listens to the transfer events and keys them by transfer id', () => {
    expect(manager.name).toBe(TRANSFER_PROCESS);
    expect([...manager.eventTypes].sort()).toEqual([
      'MoneyCreditedForTransfer',
      'MoneyDebitedForTransfer',
      'TransferApproved',
      'TransferCreditCancelled',
      'TransferDebitRefunded',
      'TransferExpired',
      'TransferInitiated',
      'TransferRejected',
    ]);
    const step = debited() as Extract<Step, { kind: 'event' }>;
    expect(manager.processId(recorded(step))).toBe(transferId);
    expect(manager.processId(recorded({ ...step, data: { accountId: from } }))).toBeNull();
  });
});

describe('the commands it decides', () => {
  it('are command objects, stored as their class name and fields and read back as equal instances', () => {
    const [decided] = givenProcess().when(initiated()).decision.commands ?? [];
    expect(decided).toEqual({
      type: 'TransferStepCommand',
      data: {
        step: { kind: 'debit', accountId: from, transferId, amount },
        context: {
          metadata: {
            commandId: 'assigned-when-sent',
            correlationId: 'assigned-when-sent',
            causationId: 'assigned-when-sent',
            actor: 'assigned-when-sent',
            occurredAt: new Date(0).toISOString(),
          },
          scope: { kind: 'all' },
        },
      },
    });
    const sent = readTransferProcessCommand(decided);
    expect(sent).toBeInstanceOf(TransferStepCommand);
    expect(sent).toStrictEqual(debit());
    const settled = givenProcess(initiated(), debited()).when(credited()).decision.commands ?? [];
    expect(settled.map(readTransferProcessCommand)).toStrictEqual([
      settleDebit(),
      settle('COMPLETED', null),
    ]);
  });

  it('are told apart: no two of its commands are stored alike, nor one with another field', () => {
    const all = stored(
      debit(),
      credit(),
      cancelCredit(),
      refund(),
      settleDebit(),
      settle('COMPLETED', null),
      settle('COMPENSATED', null),
      settle('COMPENSATED', 'ACCOUNT_CLOSED'),
    );
    for (const [i, a] of all.entries())
      for (const [j, b] of all.entries()) if (i !== j) expect(a).not.toEqual(b);
    const otherAmount = new TransferStepCommand(
      { kind: 'debit', accountId: from, transferId, amount: amount + 1 },
      PROCESS_COMMAND_CONTEXT,
    );
    expect(stored(otherAmount)).not.toEqual(stored(debit()));
    // The expectations below would catch the wrong command: this one is not what it decides.
    expect(() =>
      givenProcess()
        .when(initiated())
        .then({ phase: 'DEBITING', commands: [credit()] }),
    ).toThrow();
  });
});

describe('the happy path', () => {
  it('initiated: debits the source', () => {
    givenProcess()
      .when(initiated())
      .then({ phase: 'DEBITING', reason: null, commands: [debit()] });
  });

  it('debited: credits the destination and asks to be woken creditTimeoutMs after the debit', () => {
    givenProcess(initiated())
      .when(debited(at('+1s')))
      .then({
        phase: 'CREDITING',
        commands: [credit()],
        schedule: [{ key: CREDIT_DEADLINE, dueAt: at('+31s').toISOString() }],
      });
  });

  it('the deadline follows the event time, not the moment of deciding (deterministic replay)', () => {
    givenProcess(initiated())
      .when(debited(at('+10m')))
      .then({
        phase: 'CREDITING',
        commands: [credit()],
        schedule: [{ key: CREDIT_DEADLINE, dueAt: at('+630s').toISOString() }],
      });
  });

  it('credited: settles COMPLETED without a reason and cancels the deadline', () => {
    givenProcess(initiated(), debited())
      .when(credited())
      .then({
        phase: 'DONE',
        reason: null,
        commands: [settleDebit(), settle('COMPLETED', null)],
        cancel: [CREDIT_DEADLINE],
      });
  });
});

describe('a refused debit', () => {
  it.each(['INSUFFICIENT_FUNDS', 'ACCOUNT_CLOSED', 'ACCOUNT_NOT_FOUND'])(
    '%s: settles FAILED with the code as the reason, and nothing else (nothing moved)',
    (code) => {
      givenProcess(initiated())
        .when(refused(debit(), code))
        .then({ phase: 'DONE', reason: code, commands: [settle('FAILED', code)] });
    },
  );

  it('then a deadline, a late refusal or stray events do nothing', () => {
    const failed = [initiated(), refused(debit(), 'INSUFFICIENT_FUNDS')];
    givenProcess(...failed)
      .when(deadline(CREDIT_DEADLINE, at('+1h')))
      .thenNothing();
    givenProcess(...failed)
      .when(refused(debit(), 'INSUFFICIENT_FUNDS'))
      .thenNothing();
    givenProcess(...failed)
      .when(credited())
      .thenNothing();
  });

  it('a stale resend of the refused debit that lands later is refunded, once', () => {
    const failed = [initiated(), refused(debit(), 'INSUFFICIENT_FUNDS')];
    givenProcess(...failed)
      .when(debited())
      .then({ phase: 'DONE', reason: 'INSUFFICIENT_FUNDS', commands: [refund()] });
    givenProcess(...failed, debited())
      .when(debited())
      .thenNothing();
  });
});

describe('a refused credit is compensated', () => {
  it.each(['ACCOUNT_CLOSED', 'CURRENCY_MISMATCH'])(
    '%s: first cancels the credit on the destination (a stale resend cannot land), and the deadline',
    (code) => {
      givenProcess(initiated(), debited())
        .when(refused(credit(), code, at('+2s')))
        .then({
          phase: 'CANCELLING',
          reason: code,
          commands: [cancelCredit()],
          cancel: [CREDIT_DEADLINE],
        });
    },
  );

  it.each(['ACCOUNT_CLOSED', 'CURRENCY_MISMATCH'])(
    '%s, cancelled: refunds the source; refunded: settles COMPENSATED with the refusal as the reason',
    (code) => {
      givenProcess(initiated(), debited(), refused(credit(), code))
        .when(creditCancelled())
        .then({ phase: 'REFUNDING', reason: code, commands: [refund()] });
      givenProcess(initiated(), debited(), refused(credit(), code), creditCancelled())
        .when(refunded())
        .then({ phase: 'DONE', reason: code, commands: [settle('COMPENSATED', code)] });
    },
  );

  it('a stale resend of the refused credit that lands before the cancellation completes the transfer', () => {
    givenProcess(initiated(), debited(), refused(credit(), 'ACCOUNT_CLOSED'))
      .when(credited())
      .then({
        phase: 'DONE',
        reason: null,
        commands: [settleDebit(), settle('COMPLETED', null)],
        cancel: [CREDIT_DEADLINE],
      });
  });

  it('a deadline after the refusal does nothing (it was cancelled, and is ignored anyway)', () => {
    givenProcess(initiated(), debited(), refused(credit(), 'ACCOUNT_CLOSED'))
      .when(deadline(CREDIT_DEADLINE, at('+31s')))
      .thenNothing();
  });
});

describe('a credit that misses its deadline is cancelled, then compensated', () => {
  const missed = () => [initiated(), debited(at('+1s')), deadline(CREDIT_DEADLINE, at('+31s'))];

  it('deadline while crediting: cancels the credit on the destination first', () => {
    givenProcess(initiated(), debited(at('+1s')))
      .when(deadline(CREDIT_DEADLINE, at('+31s')))
      .then({ phase: 'CANCELLING', reason: CREDIT_DEADLINE_PASSED, commands: [cancelCredit()] });
  });

  it('TransferCreditCancelled: refunds the source (the deadline already fired, nothing to cancel)', () => {
    givenProcess(...missed())
      .when(creditCancelled())
      .then({ phase: 'REFUNDING', reason: CREDIT_DEADLINE_PASSED, commands: [refund()] });
  });

  it('refunded: settles COMPENSATED with reason CREDIT_DEADLINE_PASSED', () => {
    givenProcess(...missed(), creditCancelled())
      .when(refunded())
      .then({
        phase: 'DONE',
        reason: CREDIT_DEADLINE_PASSED,
        commands: [settle('COMPENSATED', CREDIT_DEADLINE_PASSED)],
      });
  });

  it('the credit, refused because it was cancelled, changes nothing: the cancellation leads', () => {
    givenProcess(...missed())
      .when(refused(credit(), 'TRANSFER_CREDIT_CANCELLED', at('+32s')))
      .thenNothing();
    givenProcess(...missed(), creditCancelled())
      .when(refused(credit(), 'TRANSFER_CREDIT_CANCELLED', at('+32s')))
      .thenNothing();
  });

  it('a cancellation refused for another reason (destination missing) still refunds', () => {
    givenProcess(...missed())
      .when(refused(cancelCredit(), 'ACCOUNT_NOT_FOUND', at('+32s')))
      .then({ phase: 'REFUNDING', reason: CREDIT_DEADLINE_PASSED, commands: [refund()] });
  });
});

describe('the credit wins the race with its deadline', () => {
  const raced = () => [initiated(), debited(), deadline(CREDIT_DEADLINE, at('+31s'))];

  it('the cancellation refused as TRANSFER_ALREADY_CREDITED: stays, waiting for the credit event', () => {
    givenProcess(...raced())
      .when(refused(cancelCredit(), 'TRANSFER_ALREADY_CREDITED', at('+32s')))
      .thenNothing();
  });

  it('then the credit event: COMPLETED with no reason, and no refund', () => {
    givenProcess(...raced(), refused(cancelCredit(), 'TRANSFER_ALREADY_CREDITED', at('+32s')))
      .when(credited(at('+30s')))
      .then({
        phase: 'DONE',
        reason: null,
        commands: [settleDebit(), settle('COMPLETED', null)],
        cancel: [CREDIT_DEADLINE],
      });
  });

  it('the credit event before the refusal completes too, and the refusal then changes nothing', () => {
    givenProcess(...raced())
      .when(credited(at('+30s')))
      .then({
        phase: 'DONE',
        reason: null,
        commands: [settleDebit(), settle('COMPLETED', null)],
        cancel: [CREDIT_DEADLINE],
      });
    givenProcess(...raced(), credited(at('+30s')))
      .when(refused(cancelCredit(), 'TRANSFER_ALREADY_CREDITED', at('+32s')))
      .thenNothing();
  });
});

describe('deadlines out of place do nothing', () => {
  it('before the process exists, before the debit, after completion, after compensation', () => {
    givenProcess()
      .when(deadline(CREDIT_DEADLINE, at('+31s')))
      .thenNothing();
    givenProcess(initiated())
      .when(deadline(CREDIT_DEADLINE, at('+31s')))
      .thenNothing();
    givenProcess(initiated(), debited(), credited())
      .when(deadline(CREDIT_DEADLINE, at('+31s')))
      .thenNothing();
    givenProcess(
      initiated(),
      debited(),
      deadline(CREDIT_DEADLINE, at('+31s')),
      creditCancelled(),
      refunded(),
    )
      .when(deadline(CREDIT_DEADLINE, at('+62s')))
      .thenNothing();
  });

  it('a second firing while cancelling, or a deadline under another key, does nothing', () => {
    givenProcess(initiated(), debited(), deadline(CREDIT_DEADLINE, at('+31s')))
      .when(deadline(CREDIT_DEADLINE, at('+31s')))
      .thenNothing();
    givenProcess(initiated(), debited())
      .when(deadline('something-else', at('+31s')))
      .thenNothing();
  });
});

describe('redelivered and out-of-phase inputs change nothing (idempotent)', () => {
  const history = {
    NEW: [] as Step[],
    DEBITING: [initiated()],
    CREDITING: [initiated(), debited()],
    CANCELLING: [initiated(), debited(), deadline(CREDIT_DEADLINE, at('+31s'))],
    REFUNDING: [initiated(), debited(), deadline(CREDIT_DEADLINE, at('+31s')), creditCancelled()],
    COMPLETED: [initiated(), debited(), credited()],
    COMPENSATED: [
      initiated(),
      debited(),
      refused(credit(), 'ACCOUNT_CLOSED'),
      creditCancelled(),
      refunded(),
    ],
  };

  it.each<[keyof typeof history, string, () => Step]>([
    ['DEBITING', 'TransferInitiated again', () => initiated()],
    ['CREDITING', 'TransferInitiated again', () => initiated()],
    ['CREDITING', 'MoneyDebitedForTransfer again (no second credit, no new deadline)', debited],
    ['COMPLETED', 'MoneyCreditedForTransfer again', credited],
    ['COMPLETED', 'MoneyDebitedForTransfer again', debited],
    ['REFUNDING', 'TransferCreditCancelled again', creditCancelled],
    ['COMPENSATED', 'TransferDebitRefunded again', refunded],
    ['COMPENSATED', 'TransferCreditCancelled late', creditCancelled],
    ['NEW', 'MoneyDebitedForTransfer before the transfer', debited],
    ['NEW', 'MoneyCreditedForTransfer before the transfer', credited],
    ['DEBITING', 'MoneyCreditedForTransfer before the debit', credited],
    ['DEBITING', 'TransferDebitRefunded before the debit', refunded],
    ['CREDITING', 'TransferCreditCancelled never asked for', creditCancelled],
    ['CREDITING', 'TransferDebitRefunded never asked for', refunded],
    ['CANCELLING', 'MoneyDebitedForTransfer again', debited],
    ['REFUNDING', 'MoneyCreditedForTransfer (the destination refused or cancelled it)', credited],
    ['COMPENSATED', 'MoneyCreditedForTransfer late', credited],
    [
      'DEBITING',
      'an event of another type',
      () => event('MoneyDeposited', { transferId }, at('+1s')),
    ],
  ])('%s: %s', (phase, _what, step) => {
    givenProcess(...history[phase])
      .when(step())
      .thenNothing();
  });

  it.each<[keyof typeof history, string, () => Step]>([
    ['DEBITING', 'a credit refusal before any credit', () => refused(credit(), 'ACCOUNT_CLOSED')],
    ['CREDITING', 'the debit refused late', () => refused(debit(), 'INSUFFICIENT_FUNDS')],
    ['CREDITING', 'a cancellation refused never asked for', () => refused(cancelCredit(), 'X')],
    ['REFUNDING', 'the credit refused again', () => refused(credit(), 'ACCOUNT_CLOSED')],
    ['COMPLETED', 'the credit refused late', () => refused(credit(), 'ACCOUNT_CLOSED')],
    ['COMPENSATED', 'the credit refused again', () => refused(credit(), 'ACCOUNT_CLOSED')],
    ['CANCELLING', 'a refund refused (not a refusable step)', () => refused(refund(), 'X')],
    ['COMPLETED', 'settle refused', () => refused(settle('COMPLETED', null), 'X')],
  ])('%s: %s', (phase, _what, step) => {
    givenProcess(...history[phase])
      .when(step())
      .thenNothing();
  });

  it('the states reached above are the phases they are named after', () => {
    expect(givenProcess(...history.CANCELLING).state.phase).toBe('CANCELLING');
    expect(givenProcess(...history.REFUNDING).state.phase).toBe('REFUNDING');
    expect(givenProcess(...history.COMPLETED).state.phase).toBe('DONE');
    expect(givenProcess(...history.COMPENSATED).state).toMatchObject({
      phase: 'DONE',
      reason: 'ACCOUNT_CLOSED',
    });
  });
});

describe('a transfer that needs approval', () => {
  it('initiated above the threshold: moves nothing, waits under a deadline from its initiation', () => {
    givenProcess()
      .when(awaiting(at('+5s')))
      .then({
        phase: 'AWAITING_APPROVAL',
        reason: null,
        schedule: [{ key: APPROVAL_DEADLINE, dueAt: at('+3605s').toISOString() }],
      });
  });

  it('approved: debits the source, as any transfer starts, and cancels the approval deadline', () => {
    givenProcess(awaiting())
      .when(approved())
      .then({
        phase: 'DEBITING',
        reason: null,
        commands: [debit()],
        cancel: [APPROVAL_DEADLINE],
      });
  });

  it('approved: then proceeds exactly as any other transfer (credit under its deadline, complete)', () => {
    givenProcess(awaiting(), approved(at('+10m')))
      .when(debited(at('+10m')))
      .then({
        phase: 'CREDITING',
        commands: [credit()],
        schedule: [{ key: CREDIT_DEADLINE, dueAt: at('+630s').toISOString() }],
      });
    givenProcess(awaiting(), approved(), debited())
      .when(credited())
      .then({
        phase: 'DONE',
        reason: null,
        commands: [settleDebit(), settle('COMPLETED', null)],
        cancel: [CREDIT_DEADLINE],
      });
  });

  it('rejected: done with nothing moved and nothing to give back; the deadline is cancelled', () => {
    givenProcess(awaiting())
      .when(rejected())
      .then({ phase: 'DONE', reason: APPROVAL_REJECTED, cancel: [APPROVAL_DEADLINE] });
  });

  it('the approval deadline passes: asks the transfer stream to expire it (no money command)', () => {
    givenProcess(awaiting())
      .when(deadline(APPROVAL_DEADLINE, at('+60m')))
      .then({
        phase: 'EXPIRING',
        reason: APPROVAL_DEADLINE_PASSED,
        commands: [settle('EXPIRED', APPROVAL_DEADLINE_PASSED)],
      });
  });

  it('expired: done, nothing moved, nothing compensated', () => {
    givenProcess(awaiting(), deadline(APPROVAL_DEADLINE, at('+60m')))
      .when(expired())
      .then({ phase: 'DONE', reason: APPROVAL_DEADLINE_PASSED });
  });

  it('approval racing expiry: an approval appended before the expiry wins, the expiry is a no-op', () => {
    // The deadline fired, but the approval reached the transfer stream first: the stream
    // refuses nothing and the expiry decides nothing there; the process starts the transfer.
    givenProcess(awaiting(), deadline(APPROVAL_DEADLINE, at('+60m')))
      .when(approved(at('+60m')))
      .then({ phase: 'DEBITING', reason: null, commands: [debit()] });
  });

  it('approval racing expiry: an expiry appended first ends it; a late approval event cannot exist', () => {
    // The stream refuses the approval (TRANSFER_NOT_AWAITING_APPROVAL), so only the expiry
    // arrives; a redelivered expiry or a stray approval after it changes nothing.
    const ended = [awaiting(), deadline(APPROVAL_DEADLINE, at('+60m')), expired()];
    givenProcess(...ended)
      .when(expired())
      .thenNothing();
    givenProcess(...ended)
      .when(approved(at('+62m')))
      .thenNothing();
  });

  it('out of place: approval events on a transfer that needs none, or twice, change nothing', () => {
    givenProcess(initiated()).when(approved()).thenNothing();
    givenProcess(initiated()).when(rejected()).thenNothing();
    givenProcess(initiated()).when(expired()).thenNothing();
    givenProcess(awaiting(), approved()).when(approved()).thenNothing();
    givenProcess(awaiting(), approved()).when(rejected()).thenNothing();
    givenProcess(awaiting(), rejected()).when(approved()).thenNothing();
    givenProcess(awaiting(), rejected())
      .when(deadline(APPROVAL_DEADLINE, at('+60m')))
      .thenNothing();
    givenProcess(awaiting(), deadline(APPROVAL_DEADLINE, at('+60m')))
      .when(deadline(APPROVAL_DEADLINE, at('+61m')))
      .thenNothing();
    givenProcess(initiated())
      .when(deadline(APPROVAL_DEADLINE, at('+60m')))
      .thenNothing();
  });

  it('money events before approval change nothing (the process never asked for them)', () => {
    for (const step of [debited(), credited(), creditCancelled(), refunded()])
      givenProcess(awaiting()).when(step).thenNothing();
    givenProcess(awaiting())
      .when(deadline(CREDIT_DEADLINE, at('+31s')))
      .thenNothing();
  });

  it('a transfer initiated as before (no approval recorded) starts at once, whatever its amount', () => {
    givenProcess()
      .when(initiated())
      .then({ phase: 'DEBITING', reason: null, commands: [debit()] });
  });
});

describe('a whole transfer against a virtual clock with a deadline table', () => {
  /**
   * Plays the process as the worker would: decisions' deadlines go into a table, and moving the
   * clock by hand fires those that are due (in due order), each once.
   */
  function simulate() {
    let now = new Date(T0);
    let state = manager.initialState();
    const deadlines = new Map<string, Date>();
    const sent: ProcessCommand[] = [];
    const record = (decision: ProcessDecision<TransferProcessState>): void => {
      state = decision.state;
      sent.push(...(decision.commands ?? []));
      for (const request of decision.schedule ?? [])
        deadlines.set(request.key, new Date(request.dueAt));
      for (const key of decision.cancel ?? []) deadlines.delete(key);
    };
    return {
      get state() {
        return state;
      },
      sent,
      deadlines,
      advance(ms: number): void {
        now = new Date(now.getTime() + ms);
        const due = [...deadlines].filter(([, dueAt]) => dueAt <= now);
        due.sort(([, a], [, b]) => a.getTime() - b.getTime());
        for (const [key] of due) {
          deadlines.delete(key);
          record(manager.onDeadline(state, key, now));
        }
      },
      happen(step: (time: Date) => Step): void {
        const happened = step(now);
        if (happened.kind !== 'event') throw new Error('events only');
        record(manager.onEvent(state, recorded(happened), now));
      },
      refuse(command: TransferProcessCommand, code: string): void {
        record(manager.onRejected(state, processCommand(command), code, now));
      },
    };
  }

  it('the deadline fires exactly creditTimeoutMs after the debit, not a moment before', () => {
    const run = simulate();
    run.happen(initiated);
    run.advance(1_000);
    run.happen(debited);
    run.advance(CREDIT_TIMEOUT_MS - 1);
    expect(run.state.phase).toBe('CREDITING');
    expect(run.sent).toEqual(stored(debit(), credit()));
    run.advance(1);
    expect(run.state.phase).toBe('CANCELLING');
    run.advance(60_000); // fired once: moving on fires nothing more
    expect(run.sent).toEqual(stored(debit(), credit(), cancelCredit()));
    run.happen(creditCancelled);
    run.happen(refunded);
    expect(run.sent).toEqual(
      stored(
        debit(),
        credit(),
        cancelCredit(),
        refund(),
        settle('COMPENSATED', CREDIT_DEADLINE_PASSED),
      ),
    );
    expect(run.state.phase).toBe('DONE');
  });

  it('a credit just in time cancels the deadline: later, nothing fires', () => {
    const run = simulate();
    run.happen(initiated);
    run.happen(debited);
    run.advance(CREDIT_TIMEOUT_MS - 1);
    run.happen(credited);
    expect(run.deadlines.size).toBe(0);
    run.advance(10 * CREDIT_TIMEOUT_MS);
    expect(run.sent).toEqual(stored(debit(), credit(), settleDebit(), settle('COMPLETED', null)));
  });

  it('a refused credit cancels the deadline: cancel the credit, refund once, compensate', () => {
    const run = simulate();
    run.happen(initiated);
    run.happen(debited);
    run.advance(5_000);
    run.refuse(credit(), 'CURRENCY_MISMATCH');
    run.advance(10 * CREDIT_TIMEOUT_MS);
    run.happen(creditCancelled);
    run.happen(refunded);
    expect(run.sent).toEqual(
      stored(
        debit(),
        credit(),
        cancelCredit(),
        refund(),
        settle('COMPENSATED', 'CURRENCY_MISMATCH'),
      ),
    );
  });

  it('approval: nothing moves until approved; then the transfer runs and completes', () => {
    const run = simulate();
    run.happen(awaiting);
    run.advance(APPROVAL_TIMEOUT_MS - 1);
    expect(run.sent).toEqual([]);
    expect(run.state.phase).toBe('AWAITING_APPROVAL');
    run.happen(approved);
    expect(run.deadlines.size).toBe(0);
    run.advance(10 * APPROVAL_TIMEOUT_MS); // the approval deadline was cancelled: nothing fires
    expect(run.sent).toEqual(stored(debit()));
    run.happen(debited);
    run.happen(credited);
    expect(run.sent).toEqual(stored(debit(), credit(), settleDebit(), settle('COMPLETED', null)));
  });

  it('expiry: fires exactly approvalTimeoutMs after the initiation, and only expires', () => {
    const run = simulate();
    run.happen(awaiting);
    run.advance(APPROVAL_TIMEOUT_MS - 1);
    expect(run.sent).toEqual([]);
    run.advance(1);
    expect(run.state.phase).toBe('EXPIRING');
    expect(run.sent).toEqual(stored(settle('EXPIRED', APPROVAL_DEADLINE_PASSED)));
    run.happen(expired);
    run.advance(10 * APPROVAL_TIMEOUT_MS);
    expect(run.state).toMatchObject({ phase: 'DONE', reason: APPROVAL_DEADLINE_PASSED });
    // No debit, no refund, no cancellation: nothing had moved.
    expect(run.sent).toEqual(stored(settle('EXPIRED', APPROVAL_DEADLINE_PASSED)));
  });

  it('a self-approval refused on the stream leaves the transfer waiting: it then expires', () => {
    const run = simulate();
    run.happen(awaiting);
    // The initiator's approval is refused (SELF_APPROVAL_FORBIDDEN): no event reaches the process.
    run.advance(APPROVAL_TIMEOUT_MS);
    run.happen(expired);
    expect(run.sent).toEqual(stored(settle('EXPIRED', APPROVAL_DEADLINE_PASSED)));
    expect(run.state.phase).toBe('DONE');
  });

  it('approval racing expiry: approved the moment the deadline fires, the transfer still runs', () => {
    const run = simulate();
    run.happen(awaiting);
    run.advance(APPROVAL_TIMEOUT_MS);
    run.happen(approved);
    run.happen(debited);
    run.happen(credited);
    expect(run.sent).toEqual(
      stored(
        settle('EXPIRED', APPROVAL_DEADLINE_PASSED),
        debit(),
        credit(),
        settleDebit(),
        settle('COMPLETED', null),
      ),
    );
    expect(run.state).toMatchObject({ phase: 'DONE', reason: null });
  });

  it('rejection: done at once, the deadline cancelled, nothing sent ever', () => {
    const run = simulate();
    run.happen(awaiting);
    run.advance(60_000);
    run.happen(rejected);
    run.advance(10 * APPROVAL_TIMEOUT_MS);
    expect(run.sent).toEqual([]);
    expect(run.state).toMatchObject({ phase: 'DONE', reason: APPROVAL_REJECTED });
  });
});

describe('commands stored by the version before command objects, refused after an upgrade', () => {
  // Their old types and fields, as that version wrote them (no context).
  const old = {
    debit: { type: 'DebitForTransfer', data: { accountId: from, transferId, amount } },
    credit: { type: 'CreditForTransfer', data: { accountId: to, transferId, amount, currency } },
    cancelCredit: { type: 'CancelTransferCredit', data: { accountId: to, transferId } },
    refund: { type: 'RefundTransfer', data: { accountId: from, transferId, amount } },
    settleDebit: { type: 'SettleTransferDebit', data: { accountId: from, transferId } },
    settle: {
      type: 'SettleTransfer',
      data: { transferId, outcome: 'COMPLETED', reason: null },
    },
  } satisfies Record<string, ProcessCommand>;

  it('are read as the command objects that replaced them', () => {
    expect(Object.values(old).map((command) => command.type)).toEqual(
      LEGACY_TRANSFER_COMMAND_TYPES,
    );
    expect(Object.values(old).map(readTransferProcessCommand)).toStrictEqual([
      debit(),
      credit(),
      cancelCredit(),
      refund(),
      settleDebit(),
      settle('COMPLETED', null),
    ]);
  });

  it('an old debit refused: FAILED, as the new one', () => {
    givenProcess(initiated())
      .when(refusedAsStored(old.debit, 'INSUFFICIENT_FUNDS'))
      .then({
        phase: 'DONE',
        reason: 'INSUFFICIENT_FUNDS',
        commands: [settle('FAILED', 'INSUFFICIENT_FUNDS')],
      });
  });

  it('an old credit refused: the credit is cancelled, then refunded, as the new one', () => {
    givenProcess(initiated(), debited())
      .when(refusedAsStored(old.credit, 'ACCOUNT_CLOSED'))
      .then({
        phase: 'CANCELLING',
        reason: 'ACCOUNT_CLOSED',
        commands: [cancelCredit()],
        cancel: [CREDIT_DEADLINE],
      });
  });

  it('an old cancellation refused: refunds, or waits for the credit that won the race', () => {
    const missed = [initiated(), debited(), deadline(CREDIT_DEADLINE, at('+31s'))];
    givenProcess(...missed)
      .when(refusedAsStored(old.cancelCredit, 'ACCOUNT_NOT_FOUND', at('+32s')))
      .then({ phase: 'REFUNDING', reason: CREDIT_DEADLINE_PASSED, commands: [refund()] });
    givenProcess(...missed)
      .when(refusedAsStored(old.cancelCredit, 'TRANSFER_ALREADY_CREDITED', at('+32s')))
      .thenNothing();
  });

  it('an old refund, settlement or unknown type refused: nothing, as the new ones', () => {
    const cancelling = [initiated(), debited(), deadline(CREDIT_DEADLINE, at('+31s'))];
    for (const command of [old.refund, old.settleDebit, old.settle, { type: 'Other', data: {} }])
      givenProcess(...cancelling)
        .when(refusedAsStored(command, 'X'))
        .thenNothing();
  });
});

describe('states stored by another version', () => {
  it('a NEW state stored with empty facts (the earlier shape) starts the transfer alike', () => {
    const earlier = {
      phase: 'NEW',
      transferId: '',
      fromAccountId: '',
      toAccountId: '',
      amount: 0,
      currency: '',
      reason: null,
    } as TransferProcessState;
    const started = initiated() as Extract<Step, { kind: 'event' }>;
    const decision = manager.onEvent(earlier, recorded(started), started.at);
    expect(decision).toEqual(
      manager.onEvent(manager.initialState(), recorded(started), started.at),
    );
    expect(decision.state).toMatchObject({ phase: 'DEBITING', transferId, amount, currency });
  });

  it('a state of a phase this version does not know stays as it is, whatever happens', () => {
    const unknown = { phase: 'PAUSED', reason: null } as unknown as TransferProcessState;
    for (const step of [initiated(), debited(), credited(), creditCancelled(), refunded()])
      expect(decide(unknown, step)).toEqual({ state: unknown });
    expect(decide(unknown, refused(debit(), 'X'))).toEqual({ state: unknown });
    expect(decide(unknown, refused(credit(), 'X'))).toEqual({ state: unknown });
    expect(decide(unknown, refused(cancelCredit(), 'X'))).toEqual({ state: unknown });
    expect(decide(unknown, deadline(CREDIT_DEADLINE, at('+31s')))).toEqual({ state: unknown });
  });
});
