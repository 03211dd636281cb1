import {
  ProcessCommand,
  ProcessDecision,
  ProcessManager,
  RecordedEvent,
} from '@ledgerline/event-sourcing';
import { TransferInitiated } from '../domain/transfer.events';

/** The commands the transfer process sends (their handlers are in accounts and transfers). */
export const TransferProcessCommand = {
  debit: 'DebitForTransfer',
  credit: 'CreditForTransfer',
  cancelCredit: 'CancelTransferCredit',
  refund: 'RefundTransfer',
  settleDebit: 'SettleTransferDebit',
  settle: 'SettleTransfer',
} as const;

type Phase = 'NEW' | 'DEBITING' | 'CREDITING' | 'CANCELLING' | 'REFUNDING' | 'DONE';

/** The process's memory, stored as JSON beside its checkpoint. */
export type TransferProcessState = {
  phase: Phase;
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  reason: string | null;
  /**
   * The debit was refused and the transfer failed. A stale resend of that debit (its claim
   * had expired and another worker sent it again) may still succeed later: then it is refunded.
   */
  debitRefused?: boolean;
};

export const TRANSFER_PROCESS = 'transfer-process';
export const CREDIT_DEADLINE = 'credit';
/** Why a compensation happened when no error code says it. */
export const CREDIT_DEADLINE_PASSED = 'CREDIT_DEADLINE_PASSED';

const EVENTS = {
  initiated: 'TransferInitiated',
  debited: 'MoneyDebitedForTransfer',
  credited: 'MoneyCreditedForTransfer',
  cancelled: 'TransferCreditCancelled',
  refunded: 'TransferDebitRefunded',
} as const;

const initial = (): TransferProcessState => ({
  phase: 'NEW',
  transferId: '',
  fromAccountId: '',
  toAccountId: '',
  amount: 0,
  currency: '',
  reason: null,
});

const stay = (state: TransferProcessState): ProcessDecision<TransferProcessState> => ({ state });

function command(type: string, data: ProcessCommand['data']): ProcessCommand {
  return { type, data };
}

const settle = (s: TransferProcessState, outcome: string): ProcessCommand =>
  command(TransferProcessCommand.settle, { transferId: s.transferId, outcome, reason: s.reason });

const cancelCredit = (s: TransferProcessState): ProcessCommand =>
  command(TransferProcessCommand.cancelCredit, {
    accountId: s.toAccountId,
    transferId: s.transferId,
  });

const refund = (s: TransferProcessState): ProcessCommand =>
  command(TransferProcessCommand.refund, {
    accountId: s.fromAccountId,
    transferId: s.transferId,
    amount: s.amount,
  });

/**
 * The transfer process manager: debit the source, credit the destination, complete. A refused
 * debit fails the transfer (nothing moved). A refused credit, or a credit that has not happened
 * by its deadline (then cancelled on the destination first, so it cannot happen late), is
 * compensated by refunding the source. Pure: state and time come in, decisions go out.
 */
export function transferProcess(options: {
  creditTimeoutMs: number;
}): ProcessManager<TransferProcessState> {
  return {
    name: TRANSFER_PROCESS,
    eventTypes: Object.values(EVENTS),
    processId: (event: RecordedEvent) => {
      const transferId = event.data.transferId;
      return typeof transferId === 'string' ? transferId : null;
    },
    initialState: initial,

    onEvent(state, event, now) {
      const data = event.data;
      switch (event.type) {
        case EVENTS.initiated: {
          if (state.phase !== 'NEW') return stay(state);
          const initiated = data as TransferInitiated['data'];
          const next: TransferProcessState = {
            phase: 'DEBITING',
            transferId: initiated.transferId,
            fromAccountId: initiated.fromAccountId,
            toAccountId: initiated.toAccountId,
            amount: initiated.amount,
            currency: initiated.currency,
            reason: null,
          };
          return {
            state: next,
            commands: [
              command(TransferProcessCommand.debit, {
                accountId: next.fromAccountId,
                transferId: next.transferId,
                amount: next.amount,
              }),
            ],
          };
        }
        case EVENTS.debited:
          if (state.phase === 'DONE' && state.debitRefused)
            return { state: { ...state, debitRefused: false }, commands: [refund(state)] };
          if (state.phase !== 'DEBITING') return stay(state);
          return {
            state: { ...state, phase: 'CREDITING' },
            commands: [
              command(TransferProcessCommand.credit, {
                accountId: state.toAccountId,
                transferId: state.transferId,
                amount: state.amount,
                currency: state.currency,
              }),
            ],
            schedule: [
              {
                key: CREDIT_DEADLINE,
                dueAt: new Date(now.getTime() + options.creditTimeoutMs).toISOString(),
              },
            ],
          };
        case EVENTS.credited: {
          if (state.phase !== 'CREDITING' && state.phase !== 'CANCELLING') return stay(state);
          const done = { ...state, phase: 'DONE' as const, reason: null };
          // The source learns the debit is final (until then it cannot be closed).
          const settleDebit = command(TransferProcessCommand.settleDebit, {
            accountId: state.fromAccountId,
            transferId: state.transferId,
          });
          return {
            state: done,
            commands: [settleDebit, settle(done, 'COMPLETED')],
            cancel: [CREDIT_DEADLINE],
          };
        }
        case EVENTS.cancelled:
          if (state.phase !== 'CANCELLING') return stay(state);
          return { state: { ...state, phase: 'REFUNDING' }, commands: [refund(state)] };
        case EVENTS.refunded: {
          if (state.phase !== 'REFUNDING') return stay(state);
          const done = { ...state, phase: 'DONE' as const };
          return { state: done, commands: [settle(done, 'COMPENSATED')] };
        }
        default:
          return stay(state);
      }
    },

    onRejected(state, rejected, code) {
      switch (rejected.type) {
        case TransferProcessCommand.debit: {
          if (state.phase !== 'DEBITING') return stay(state);
          const done = { ...state, phase: 'DONE' as const, reason: code, debitRefused: true };
          return { state: done, commands: [settle(done, 'FAILED')] };
        }
        case TransferProcessCommand.credit: {
          // Already cancelling (deadline): the cancellation event leads on.
          if (state.phase !== 'CREDITING') return stay(state);
          // A refusal is not final on the destination's stream: a stale resend of the credit
          // could still land. Cancel it there first; refund only once the cancellation holds.
          const next = { ...state, phase: 'CANCELLING' as const, reason: code };
          return { state: next, commands: [cancelCredit(next)], cancel: [CREDIT_DEADLINE] };
        }
        case TransferProcessCommand.cancelCredit: {
          // The credit won the race: its event completes the transfer.
          if (state.phase !== 'CANCELLING' || code === 'TRANSFER_ALREADY_CREDITED')
            return stay(state);
          const next = { ...state, phase: 'REFUNDING' as const };
          return { state: next, commands: [refund(next)] };
        }
        default:
          return stay(state);
      }
    },

    onDeadline(state, key) {
      if (key !== CREDIT_DEADLINE || state.phase !== 'CREDITING') return stay(state);
      const next = { ...state, phase: 'CANCELLING' as const, reason: CREDIT_DEADLINE_PASSED };
      return { state: next, commands: [cancelCredit(next)] };
    },
  };
}
