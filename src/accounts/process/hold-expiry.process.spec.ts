import { processCommand } from '@ledgerline/event-sourcing';
import {
  clockReaches,
  commandRefused,
  givenProcess,
  ProcessEvent,
} from '@ledgerline/event-sourcing/testing';
import { PROCESS_COMMAND_CONTEXT } from '../../common/commands/process-command-context';
import { ExpireHoldCommand } from '../commands/hold.commands';
import { HOLD_EXPIRY_DEADLINE, holdExpiryProcess, HoldExpiryState } from './hold-expiry.process';

// The virtual clock starts at 2025-01-01T00:00Z; the hold expires a day later.
const accountId = 'acc-1';
const holdId = 'hold-1';
const expiresAt = '2025-01-02T00:00:00.000Z';

const placed = (): ProcessEvent => ({
  type: 'HoldPlaced',
  data: { accountId, holdId, amount: 4_000, reason: 'ACME', expiresAt },
});
const ended = (type: 'HoldCaptured' | 'HoldReleased' | 'HoldExpired'): ProcessEvent => ({
  type,
  data: { accountId, holdId, ...(type === 'HoldCaptured' ? { amount: 4_000 } : {}) },
});
const expireCommand = processCommand(
  new ExpireHoldCommand(accountId, holdId, PROCESS_COMMAND_CONTEXT),
);
const phase = (value: 'OPEN' | 'EXPIRING' | 'DONE'): HoldExpiryState => ({
  phase: value,
  accountId,
  holdId,
});

describe('hold-expiry process', () => {
  it('a placed hold asks to be woken at its expiresAt', () => {
    givenProcess(holdExpiryProcess)
      .when(placed())
      .then({ state: phase('OPEN'), deadlines: [{ key: HOLD_EXPIRY_DEADLINE, dueAt: expiresAt }] });
  });

  it('nothing happens before the expiry', () => {
    givenProcess(holdExpiryProcess, [placed()]).when(clockReaches('+1439m')).thenNothing();
  });

  it('at the expiry it sends ExpireHold, once', () => {
    givenProcess(holdExpiryProcess, [placed()])
      .when(clockReaches('+3d'))
      .then({ commands: [expireCommand], deadlines: [], state: phase('EXPIRING') });
  });

  it.each(['HoldCaptured', 'HoldReleased'] as const)(
    '%s before the expiry: the deadline is cancelled and never fires',
    (type) => {
      givenProcess(holdExpiryProcess, [placed()])
        .at('+1h')
        .when(ended(type))
        .then({ deadlines: [], state: phase('DONE') });
      givenProcess(holdExpiryProcess, [placed(), clockReaches('+1h'), ended(type)])
        .when(clockReaches('+3d'))
        .thenNothing();
    },
  );

  it('the expiry recorded: done', () => {
    givenProcess(holdExpiryProcess, [placed(), clockReaches('+2d')])
      .when(ended('HoldExpired'))
      .then({ state: phase('DONE') });
  });

  it('a refused expiry (the account or hold is unknown to it) ends the process', () => {
    givenProcess(holdExpiryProcess, [placed(), clockReaches('+2d')])
      .when(commandRefused(expireCommand, 'HOLD_NOT_FOUND'))
      .then({ state: phase('DONE') });
  });

  it('a resent HoldPlaced (a replay) does not schedule it again', () => {
    givenProcess(holdExpiryProcess, [placed(), clockReaches('+2d')])
      .when(placed())
      .thenNothing();
  });
});
