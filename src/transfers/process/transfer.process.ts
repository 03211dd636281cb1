import {
  processCommand,
  ProcessCommand,
  ProcessDecision,
  ProcessManager,
  RecordedEvent,
} from '@ledgerline/event-sourcing';
import {
  AccountErrorCode,
  AccountEventType,
  TransferStep,
  TransferStepCommand,
} from '../../accounts';
import { PROCESS_COMMAND_CONTEXT } from '../../common/commands/process-command-context';
import { SettleTransferCommand } from '../commands/settle-transfer.command';
import { APPROVAL_DEADLINE_PASSED, TransferOutcome } from '../domain/transfer.decide';
import { TransferEventType, TransferInitiated } from '../domain/transfer.events';
import { approvalSettings } from '../transfer-approval.settings';
import { readTransferProcessCommand } from './transfer-process.commands';

export const TRANSFER_PROCESS = 'transfer-process';
export const CREDIT_DEADLINE = 'credit';
/** Why a compensation happened when no error code says it. */
export const CREDIT_DEADLINE_PASSED = 'CREDIT_DEADLINE_PASSED';
export const APPROVAL_DEADLINE = 'approval';
/** Why the process ended a transfer its approver rejected (the transfer holds their reason). */
export const APPROVAL_REJECTED = 'REJECTED';

/** The transfer as the process learnt it from TransferInitiated. */
type TransferFacts = {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
};

/**
 * The process's memory, stored as JSON beside its checkpoint: one shape per phase. The field
 * names are those of the states already stored, which are read back as they are.
 */
export type TransferProcessState =
  /** It has not seen its transfer start. */
  | { phase: 'NEW'; reason: null }
  /** Above the approval threshold: nothing moves until approved, under the approval deadline. */
  | (TransferFacts & { phase: 'AWAITING_APPROVAL'; reason: null })
  /** The approval deadline passed: the transfer is being expired (an approval may still win). */
  | (TransferFacts & { phase: 'EXPIRING'; reason: string })
  /** The source is being debited. */
  | (TransferFacts & { phase: 'DEBITING'; reason: null })
  /** The destination is being credited, under the credit deadline. */
  | (TransferFacts & { phase: 'CREDITING'; reason: null })
  /** The credit was refused or is late (`reason`): it is being cancelled on the destination. */
  | (TransferFacts & { phase: 'CANCELLING'; reason: string })
  /** The credit is cancelled: the source is being refunded. */
  | (TransferFacts & { phase: 'REFUNDING'; reason: string })
  | (TransferFacts & {
      phase: 'DONE';
      /** Null: completed. Else why it failed or was compensated. */
      reason: string | null;
      /**
       * The debit was refused and the transfer failed. A stale resend of that debit (its claim
       * had expired and another worker sent it again) may still succeed later: it is refunded.
       */
      debitRefused?: boolean;
    });

type Decision = ProcessDecision<TransferProcessState>;
type Known = Exclude<TransferProcessState, { phase: 'NEW' }>;

const stay = (state: TransferProcessState): Decision => ({ state });

/** Exhaustive at compile time; a stored state of a phase this version does not know stays. */
const unknownPhase = (state: never): Decision => ({ state });

/** Exhaustive at compile time; a refused step of a kind this version does not know stays. */
const unknownStep = (state: TransferProcessState, _step: never): Decision => ({ state });

/**
 * The commands it decides are command objects (their handlers are in accounts and transfers),
 * stored as their class and fields by processCommand; their context is the placeholder the
 * sender replaces with the real one.
 */
const step = (value: TransferStep): ProcessCommand =>
  processCommand(new TransferStepCommand(value, PROCESS_COMMAND_CONTEXT));

const debit = (s: Known): ProcessCommand =>
  step({ kind: 'debit', accountId: s.fromAccountId, transferId: s.transferId, amount: s.amount });

const credit = (s: Known): ProcessCommand =>
  step({
    kind: 'credit',
    accountId: s.toAccountId,
    transferId: s.transferId,
    amount: s.amount,
    currency: s.currency,
  });

const cancelCredit = (s: Known): ProcessCommand =>
  step({ kind: 'cancel-credit', accountId: s.toAccountId, transferId: s.transferId });

const refund = (s: Known): ProcessCommand =>
  step({ kind: 'refund', accountId: s.fromAccountId, transferId: s.transferId, amount: s.amount });

/** The source learns the debit is final (until then it cannot be closed). */
const settleDebit = (s: Known): ProcessCommand =>
  step({ kind: 'settle-debit', accountId: s.fromAccountId, transferId: s.transferId });

const settle = (s: Known, outcome: TransferOutcome): ProcessCommand =>
  processCommand(
    new SettleTransferCommand(s.transferId, outcome, s.reason, PROCESS_COMMAND_CONTEXT),
  );

/**
 * TransferInitiated: debit the source; or, when the transfer needs approval, wait for it under a
 * deadline from the initiation's time (nothing moves meanwhile).
 */
function onTransferInitiated(
  state: TransferProcessState,
  initiated: TransferInitiated['data'],
  now: Date,
  approvalTimeoutMs: number,
): Decision {
  switch (state.phase) {
    case 'NEW': {
      const { transferId, fromAccountId, toAccountId, amount, currency } = initiated;
      const facts = { transferId, fromAccountId, toAccountId, amount, currency, reason: null };
      if (initiated.approval) {
        const dueAt = new Date(now.getTime() + approvalTimeoutMs).toISOString();
        return {
          state: { ...facts, phase: 'AWAITING_APPROVAL' },
          schedule: [{ key: APPROVAL_DEADLINE, dueAt }],
        };
      }
      const debiting: Known = { ...facts, phase: 'DEBITING' };
      return { state: debiting, commands: [debit(debiting)] };
    }
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'DEBITING':
    case 'CREDITING':
    case 'CANCELLING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** MoneyDebitedForTransfer: credit the destination, under a deadline from the debit's time. */
function onMoneyDebited(state: TransferProcessState, now: Date, creditTimeoutMs: number): Decision {
  switch (state.phase) {
    case 'DEBITING':
      return {
        state: { ...state, phase: 'CREDITING' },
        commands: [credit(state)],
        schedule: [
          { key: CREDIT_DEADLINE, dueAt: new Date(now.getTime() + creditTimeoutMs).toISOString() },
        ],
      };
    case 'DONE':
      // The refused debit landed after all (a stale resend): give it back, once.
      if (!state.debitRefused) return stay(state);
      return { state: { ...state, debitRefused: false }, commands: [refund(state)] };
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'CREDITING':
    case 'CANCELLING':
    case 'REFUNDING':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** MoneyCreditedForTransfer: complete, even while cancelling (the credit won the race). */
function onMoneyCredited(state: TransferProcessState): Decision {
  switch (state.phase) {
    case 'CREDITING':
    case 'CANCELLING': {
      const done: Known = { ...state, phase: 'DONE', reason: null };
      return {
        state: done,
        commands: [settleDebit(done), settle(done, 'COMPLETED')],
        cancel: [CREDIT_DEADLINE],
      };
    }
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'DEBITING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** TransferCreditCancelled: the credit can no longer land, so refund the source. */
function onCreditCancelled(state: TransferProcessState): Decision {
  switch (state.phase) {
    case 'CANCELLING':
      return { state: { ...state, phase: 'REFUNDING' }, commands: [refund(state)] };
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'DEBITING':
    case 'CREDITING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** TransferDebitRefunded: the transfer is compensated. */
function onDebitRefunded(state: TransferProcessState): Decision {
  switch (state.phase) {
    case 'REFUNDING': {
      const done: Known = { ...state, phase: 'DONE' };
      return { state: done, commands: [settle(done, 'COMPENSATED')] };
    }
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'DEBITING':
    case 'CREDITING':
    case 'CANCELLING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** The debit was refused: the transfer fails, nothing moved. */
function onDebitRefused(state: TransferProcessState, code: string): Decision {
  switch (state.phase) {
    case 'DEBITING': {
      const done: Known = { ...state, phase: 'DONE', reason: code, debitRefused: true };
      return { state: done, commands: [settle(done, 'FAILED')] };
    }
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'CREDITING':
    case 'CANCELLING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/**
 * The credit was refused. That is not final on the destination's stream (a stale resend of the
 * credit could still land): cancel it there first, and refund only once the cancellation holds.
 */
function onCreditRefused(state: TransferProcessState, code: string): Decision {
  switch (state.phase) {
    case 'CREDITING': {
      const cancelling: Known = { ...state, phase: 'CANCELLING', reason: code };
      return { state: cancelling, commands: [cancelCredit(cancelling)], cancel: [CREDIT_DEADLINE] };
    }
    // Already cancelling (deadline): the cancellation event leads on.
    case 'CANCELLING':
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'DEBITING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/**
 * The cancellation of the credit was refused. Already credited: the credit won the race, and
 * its event completes the transfer. Any other refusal (the destination is gone): refund.
 */
function onCancellationRefused(state: TransferProcessState, code: string): Decision {
  switch (state.phase) {
    case 'CANCELLING':
      if (code === AccountErrorCode.transferAlreadyCredited) return stay(state);
      return { state: { ...state, phase: 'REFUNDING' }, commands: [refund(state)] };
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'DEBITING':
    case 'CREDITING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** The credit deadline passed: cancel the credit on the destination, so it cannot land late. */
function onCreditDeadline(state: TransferProcessState): Decision {
  switch (state.phase) {
    case 'CREDITING': {
      const cancelling: Known = { ...state, phase: 'CANCELLING', reason: CREDIT_DEADLINE_PASSED };
      return { state: cancelling, commands: [cancelCredit(cancelling)] };
    }
    case 'NEW':
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
    case 'DEBITING':
    case 'CANCELLING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/**
 * TransferApproved: debit the source, as any transfer starts. Also while expiring: the
 * approval was appended first, so the expiry will decide nothing.
 */
function onTransferApproved(state: TransferProcessState): Decision {
  switch (state.phase) {
    case 'AWAITING_APPROVAL':
    case 'EXPIRING': {
      const debiting: Known = { ...state, phase: 'DEBITING', reason: null };
      return {
        state: debiting,
        commands: [debit(debiting)],
        ...(state.phase === 'AWAITING_APPROVAL' ? { cancel: [APPROVAL_DEADLINE] } : {}),
      };
    }
    case 'NEW':
    case 'DEBITING':
    case 'CREDITING':
    case 'CANCELLING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** TransferRejected or TransferExpired: done, nothing moved, nothing to give back. */
function onApprovalEnded(state: TransferProcessState, reason: string): Decision {
  switch (state.phase) {
    case 'AWAITING_APPROVAL':
    case 'EXPIRING':
      return {
        state: { ...state, phase: 'DONE', reason },
        ...(state.phase === 'AWAITING_APPROVAL' ? { cancel: [APPROVAL_DEADLINE] } : {}),
      };
    case 'NEW':
    case 'DEBITING':
    case 'CREDITING':
    case 'CANCELLING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** The approval deadline passed: expire the transfer on its stream, unless approved first. */
function onApprovalDeadline(state: TransferProcessState): Decision {
  switch (state.phase) {
    case 'AWAITING_APPROVAL': {
      const expiring: Known = { ...state, phase: 'EXPIRING', reason: APPROVAL_DEADLINE_PASSED };
      return { state: expiring, commands: [settle(expiring, 'EXPIRED')] };
    }
    case 'NEW':
    case 'EXPIRING':
    case 'DEBITING':
    case 'CREDITING':
    case 'CANCELLING':
    case 'REFUNDING':
    case 'DONE':
      return stay(state);
    default:
      return unknownPhase(state);
  }
}

/** The events the process reacts to: its transfer's start and the accounts' transfer steps. */
const EVENTS = [
  TransferEventType.initiated,
  TransferEventType.approved,
  TransferEventType.rejected,
  TransferEventType.expired,
  AccountEventType.debitedForTransfer,
  AccountEventType.creditedForTransfer,
  AccountEventType.transferCreditCancelled,
  AccountEventType.transferDebitRefunded,
] as const;

/**
 * The transfer process manager: debit the source, credit the destination, complete. A transfer
 * that needs approval starts only once approved; rejected, or unapproved by its approval
 * deadline (then expired on its stream), it ends with nothing moved. A refused
 * debit fails the transfer (nothing moved). A refused credit, or a credit that has not happened
 * by its deadline (then cancelled on the destination first, so it cannot happen late), is
 * compensated by refunding the source. Pure: state and time come in, decisions go out.
 */
export function transferProcess(options: {
  creditTimeoutMs: number;
  /** Default: 24 h (DEFAULT_APPROVAL_TIMEOUT_MS). */
  approvalTimeoutMs?: number;
}): ProcessManager<TransferProcessState> {
  const { timeoutMs: approvalTimeoutMs } = approvalSettings(options);
  return {
    name: TRANSFER_PROCESS,
    eventTypes: EVENTS,
    processId: (event: RecordedEvent) => {
      const transferId = event.data.transferId;
      return typeof transferId === 'string' ? transferId : null;
    },
    initialState: () => ({ phase: 'NEW', reason: null }),

    onEvent(state, event, now) {
      switch (event.type) {
        case TransferEventType.initiated:
          return onTransferInitiated(
            state,
            event.data as TransferInitiated['data'],
            now,
            approvalTimeoutMs,
          );
        case TransferEventType.approved:
          return onTransferApproved(state);
        case TransferEventType.rejected:
          return onApprovalEnded(state, APPROVAL_REJECTED);
        case TransferEventType.expired:
          return onApprovalEnded(state, APPROVAL_DEADLINE_PASSED);
        case AccountEventType.debitedForTransfer:
          return onMoneyDebited(state, now, options.creditTimeoutMs);
        case AccountEventType.creditedForTransfer:
          return onMoneyCredited(state);
        case AccountEventType.transferCreditCancelled:
          return onCreditCancelled(state);
        case AccountEventType.transferDebitRefunded:
          return onDebitRefunded(state);
        default:
          return stay(state);
      }
    },

    onRejected(state, rejected, code) {
      // As stored by this version or (a command refused after an upgrade) by the one before.
      const command = readTransferProcessCommand(rejected);
      if (!(command instanceof TransferStepCommand)) return stay(state);
      switch (command.step.kind) {
        case 'debit':
          return onDebitRefused(state, code);
        case 'credit':
          return onCreditRefused(state, code);
        case 'cancel-credit':
          return onCancellationRefused(state, code);
        case 'refund':
        case 'settle-debit':
          return stay(state);
        default:
          return unknownStep(state, command.step);
      }
    },

    onDeadline(state, key) {
      if (key === APPROVAL_DEADLINE) return onApprovalDeadline(state);
      return key === CREDIT_DEADLINE ? onCreditDeadline(state) : stay(state);
    },
  };
}
