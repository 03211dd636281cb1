import {
  processCommand,
  ProcessDecision,
  ProcessManager,
  RecordedEvent,
} from '@ledgerline/event-sourcing';
import { PROCESS_COMMAND_CONTEXT } from '../../common/commands/process-command-context';
import { ExpireHoldCommand } from '../commands/hold.commands';
import { AccountEventType, HoldPlaced } from '../domain/account.events';

export const HOLD_EXPIRY_PROCESS = 'hold-expiry';
export const HOLD_EXPIRY_DEADLINE = 'expiry';

/**
 * One hold's expiry: waiting for its deadline (OPEN), expiring it (EXPIRING: the command is
 * sent), or nothing left to do (DONE: captured, released or expired).
 */
export type HoldExpiryState =
  { phase: 'NEW' } | { phase: 'OPEN' | 'EXPIRING' | 'DONE'; accountId: string; holdId: string };

type Decision = ProcessDecision<HoldExpiryState>;

const EVENTS = [
  AccountEventType.holdPlaced,
  AccountEventType.holdCaptured,
  AccountEventType.holdReleased,
  AccountEventType.holdExpired,
] as const;

/** The process is one hold: hold ids are unique within their account. */
const holdProcessId = (event: RecordedEvent): string | null => {
  const { accountId, holdId } = event.data;
  return typeof accountId === 'string' && typeof holdId === 'string'
    ? `${accountId}/${holdId}`
    : null;
};

function onPlaced(state: HoldExpiryState, placed: HoldPlaced['data']): Decision {
  if (state.phase !== 'NEW') return { state };
  const { accountId, holdId, expiresAt } = placed;
  return {
    state: { phase: 'OPEN', accountId, holdId },
    schedule: [{ key: HOLD_EXPIRY_DEADLINE, dueAt: expiresAt }],
  };
}

/** Captured, released or expired: the deadline has nothing left to do. */
function onEnded(state: HoldExpiryState): Decision {
  if (state.phase === 'NEW' || state.phase === 'DONE') return { state };
  return { state: { ...state, phase: 'DONE' }, cancel: [HOLD_EXPIRY_DEADLINE] };
}

function onDeadline(state: HoldExpiryState): Decision {
  if (state.phase !== 'OPEN') return { state };
  const { accountId, holdId } = state;
  return {
    state: { phase: 'EXPIRING', accountId, holdId },
    commands: [processCommand(new ExpireHoldCommand(accountId, holdId, PROCESS_COMMAND_CONTEXT))],
  };
}

/**
 * Expires a hold at its `expiresAt` unless it was captured or released first. The deadline is
 * stored with the process's state (durable across restarts) and fired by one worker at a time;
 * the account records the expiry at most once (decideExpireHold), so a second firing or a
 * resend after a crash changes nothing.
 */
export const holdExpiryProcess: ProcessManager<HoldExpiryState> = {
  name: HOLD_EXPIRY_PROCESS,
  eventTypes: EVENTS,
  processId: holdProcessId,
  initialState: () => ({ phase: 'NEW' }),
  onEvent(state, event) {
    switch (event.type) {
      case AccountEventType.holdPlaced:
        return onPlaced(state, event.data as HoldPlaced['data']);
      case AccountEventType.holdCaptured:
      case AccountEventType.holdReleased:
      case AccountEventType.holdExpired:
        return onEnded(state);
      default:
        return { state };
    }
  },
  // Refused: the account or hold is unknown to it, so there is nothing to expire.
  onRejected: (state) =>
    state.phase === 'NEW' ? { state } : { state: { ...state, phase: 'DONE' } },
  onDeadline: (state, key) => (key === HOLD_EXPIRY_DEADLINE ? onDeadline(state) : { state }),
};
