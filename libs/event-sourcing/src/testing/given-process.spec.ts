import { ProcessCommand, ProcessManager } from '../sagas/process-manager';
import { clockReaches, commandRefused, givenProcess, ProcessEvent } from './index';

/*
 * givenProcess on a small process manager of its own: invoice dunning. An issued invoice is
 * reminded a day later, and again a day after that; a third day unpaid escalates it. Payment
 * closes it; a refused reminder escalates it at once. The clock starts at 2025-01-01T00:00Z.
 */

type DunningState =
  | { phase: 'NEW' }
  | { phase: 'AWAITING_PAYMENT' | 'PAID' | 'ESCALATED'; invoiceId: string; reminders: number };

const REMIND = 'remind';
const DAY_MS = 86_400_000;
const MAX_REMINDERS = 2;

const dayAfter = (now: Date): string => new Date(now.getTime() + DAY_MS).toISOString();

const sendReminder = (reminder: number, invoiceId = 'inv-1'): ProcessCommand => ({
  type: 'SendReminder',
  data: { invoiceId, reminder },
});
const closeInvoice = (invoiceId = 'inv-1'): ProcessCommand => ({
  type: 'CloseInvoice',
  data: { invoiceId },
});
const escalate = (reason: string, invoiceId = 'inv-1'): ProcessCommand => ({
  type: 'EscalateInvoice',
  data: { invoiceId, reason },
});

const dunning: ProcessManager<DunningState> = {
  name: 'invoice-dunning',
  eventTypes: ['InvoiceIssued', 'InvoicePaid'],
  processId(event) {
    const { invoiceId } = event.data;
    return typeof invoiceId === 'string' ? invoiceId : null;
  },
  initialState: () => ({ phase: 'NEW' }),
  onEvent(state, event, now) {
    const { invoiceId } = event.data;
    if (event.type === 'InvoiceIssued' && state.phase === 'NEW' && typeof invoiceId === 'string')
      return {
        state: { phase: 'AWAITING_PAYMENT', invoiceId, reminders: 0 },
        schedule: [{ key: REMIND, dueAt: dayAfter(now) }],
      };
    if (event.type === 'InvoicePaid' && state.phase === 'AWAITING_PAYMENT')
      return {
        state: { ...state, phase: 'PAID' },
        commands: [closeInvoice(state.invoiceId)],
        cancel: [REMIND],
      };
    return { state };
  },
  onRejected(state, command, code) {
    if (state.phase !== 'AWAITING_PAYMENT' || command.type !== 'SendReminder') return { state };
    return {
      state: { ...state, phase: 'ESCALATED' },
      commands: [escalate(code, state.invoiceId)],
      cancel: [REMIND],
    };
  },
  onDeadline(state, key, now) {
    if (state.phase !== 'AWAITING_PAYMENT' || key !== REMIND) return { state };
    if (state.reminders === MAX_REMINDERS)
      return {
        state: { ...state, phase: 'ESCALATED' },
        commands: [escalate('UNPAID', state.invoiceId)],
      };
    const reminders = state.reminders + 1;
    return {
      state: { ...state, reminders },
      commands: [sendReminder(reminders, state.invoiceId)],
      schedule: [{ key: REMIND, dueAt: dayAfter(now) }],
    };
  },
};

const issued = (invoiceId = 'inv-1'): ProcessEvent => ({
  type: 'InvoiceIssued',
  data: { invoiceId },
});
const paid = (invoiceId = 'inv-1'): ProcessEvent => ({ type: 'InvoicePaid', data: { invoiceId } });
const awaiting = (reminders: number): DunningState => ({
  phase: 'AWAITING_PAYMENT',
  invoiceId: 'inv-1',
  reminders,
});

describe('a new invoice', () => {
  it('issued: awaits payment and asks to be woken a day after the event', () => {
    givenProcess(dunning)
      .at('+1h')
      .when(issued())
      .then({ state: awaiting(0), deadlines: [{ key: REMIND, dueAt: '+25h' }] });
  });

  it('is not told of events of other types, or of no invoice', () => {
    givenProcess(dunning)
      .when({ type: 'InvoiceViewed', data: { invoiceId: 'inv-1' } })
      .thenNothing();
    givenProcess(dunning, [issued()])
      .when({ type: 'InvoicePaid', data: { receipt: 'r-1' } })
      .thenNothing();
  });
});

describe('awaiting payment', () => {
  it('nothing fires before the reminder is due', () => {
    givenProcess(dunning, [issued()]).when(clockReaches('+1439m')).thenNothing();
  });

  it('the reminder fires as the clock passes it, at its own due time (the next is a day after it)', () => {
    givenProcess(dunning, [issued()])
      .when(clockReaches('+30h'))
      .then({
        commands: [sendReminder(1)],
        deadlines: [{ key: REMIND, dueAt: '+48h' }],
        state: awaiting(1),
      });
  });

  it('a long wait fires each reminder in turn, then escalates', () => {
    givenProcess(dunning, [issued()])
      .when(clockReaches('+10d'))
      .then({
        commands: [sendReminder(1), sendReminder(2), escalate('UNPAID')],
        deadlines: [],
        state: { phase: 'ESCALATED', invoiceId: 'inv-1', reminders: 2 },
      });
  });

  it('paid: closes the invoice and cancels the reminder, which then never fires', () => {
    givenProcess(dunning, [issued()])
      .at('+2h')
      .when(paid())
      .then({
        commands: [closeInvoice()],
        deadlines: [],
        state: { phase: 'PAID', invoiceId: 'inv-1', reminders: 0 },
      });
    givenProcess(dunning, [issued(), clockReaches('+2h'), paid()])
      .when(clockReaches('+30d'))
      .thenNothing();
  });

  it('a refused reminder escalates at once, with the refusal as the reason', () => {
    givenProcess(dunning, [issued(), clockReaches('+24h')])
      .at('+25h')
      .when(commandRefused(sendReminder(1), 'CUSTOMER_UNREACHABLE'))
      .then({
        commands: [escalate('CUSTOMER_UNREACHABLE')],
        deadlines: [],
        state: { phase: 'ESCALATED', invoiceId: 'inv-1', reminders: 1 },
      });
  });
});

describe('the virtual clock', () => {
  it('starts where it is told; offsets count from there', () => {
    givenProcess(dunning, [issued()], { startsAt: '2030-06-01T00:00:00.000Z' })
      .when(clockReaches('+1d'))
      .then({
        commands: [sendReminder(1)],
        deadlines: [{ key: REMIND, dueAt: '2030-06-03T00:00:00.000Z' }],
      });
  });

  it('an event may carry a time of its own, which its decision is made at', () => {
    givenProcess(dunning)
      .at('+1h')
      .when({ ...issued(), metadata: { occurredAt: '2025-01-01T12:00:00.000Z' } })
      .then({ state: awaiting(0), deadlines: [{ key: REMIND, dueAt: '+36h' }] });
  });

  it('a deadline already due when asked for fires at the next move, at the time of the clock', () => {
    const lateEvent = { ...issued(), metadata: { occurredAt: '2025-01-01T00:00:00.000Z' } };
    givenProcess(dunning, [clockReaches('+10d'), lateEvent])
      .when(clockReaches('+10d'))
      .then({
        commands: [sendReminder(1)],
        deadlines: [{ key: REMIND, dueAt: '+11d' }],
        state: awaiting(1),
      });
  });

  it('never goes back, and takes only instants it can read', () => {
    expect(() => givenProcess(dunning, [clockReaches('+1h')]).at('+30m')).toThrow(RangeError);
    expect(() => givenProcess(dunning).at('in a while')).toThrow(RangeError);
  });

  it('follows one process: an event of another one is a mistake in the test', () => {
    expect(() => givenProcess(dunning, [issued('inv-1'), issued('inv-2')])).toThrow(/inv-2/);
  });
});

describe('then', () => {
  it('fails on a command, a deadline or a state it was not told of', () => {
    const outcome = givenProcess(dunning, [issued()]).when(clockReaches('+24h'));
    const moved = [{ key: REMIND, dueAt: '+48h' }];
    outcome.then({ commands: [sendReminder(1)], deadlines: moved, state: awaiting(1) });

    expect(() => outcome.then({ deadlines: moved })).toThrow();
    expect(() => outcome.then({ commands: [sendReminder(1)] })).toThrow();
    expect(() =>
      outcome.then({ commands: [sendReminder(1)], deadlines: moved, state: awaiting(2) }),
    ).toThrow();
    expect(() => outcome.thenNothing()).toThrow();
  });

  it('fails, saying why, when an outcome is awaited or returned as if it were a promise', async () => {
    const mistaken = Promise.resolve().then(() => givenProcess(dunning).when(issued()));
    await expect(mistaken).rejects.toThrow(/not awaited/);
  });
});
