import { setImmediate as nextTurn } from 'node:timers/promises';
import { BackgroundLoop, GO_ON, NextTurn } from './background-loop';

/** Lets the loop run until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await nextTurn();
  expect(condition()).toBe(true);
}

/** Gives the loop room to run a turn it should not run. */
async function aWhile(): Promise<void> {
  for (let i = 0; i < 20; i++) await nextTurn();
}

// Waits in these tests last ten minutes and each test has 5 s: a wait that stop() or wake()
// fails to end makes the test fail on its timeout, not pass by the wait running out.
const LONG = 600_000;
const QUICK = 5_000;

/** A turn function that counts its calls and can be held at its start. */
function turns(next: (call: number) => NextTurn) {
  const state = { calls: 0, active: 0, maxActive: 0, gate: Promise.resolve() };
  const turn = async (): Promise<NextTurn> => {
    state.calls++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    await state.gate;
    await nextTurn(); // a real turn does I/O: a loop that ignored its waits would spin visibly
    state.active--;
    return next(state.calls);
  };
  return { state, turn };
}

/** Holds the next turns at their start until `release()`. */
function hold(state: { gate: Promise<void> }): () => void {
  let release = (): void => undefined;
  state.gate = new Promise((resolve) => (release = resolve));
  return () => release();
}

/** A started loop, after its first turn. */
async function started(next: (call: number) => NextTurn, failureBackoffMs?: number) {
  const { state, turn } = turns(next);
  const loop = new BackgroundLoop(turn, failureBackoffMs);
  loop.start();
  await until(() => state.calls === 1);
  return { state, loop };
}

/** A started loop, held inside its first (idle-bound) turn until `release()`. */
async function heldInFirstTurn() {
  const { state, turn } = turns(() => ({ after: 'idle', ms: LONG }));
  const release = hold(state);
  const loop = new BackgroundLoop(turn);
  loop.start();
  await until(() => state.active === 1);
  return { state, loop, release };
}

describe('BackgroundLoop', () => {
  it(
    'goes on at once while there is work, one turn at a time, then waits idle until stopped',
    async () => {
      const { state, turn } = turns((call) => (call < 4 ? GO_ON : { after: 'idle', ms: LONG }));
      const loop = new BackgroundLoop(turn);
      loop.start();
      loop.start(); // a second start while running adds no loop
      await until(() => state.calls === 4);
      await aWhile();
      expect(state.calls).toBe(4); // idle: no fifth turn without a wake
      expect(state.maxActive).toBe(1);
      expect(loop.running).toBe(true);
      await loop.stop(); // ends the idle wait at once
      expect(loop.running).toBe(false);
    },
    QUICK,
  );

  it(
    'ends an idle wait on wake, and remembers a wake that came during a turn',
    async () => {
      const { state, loop } = await started(() => ({ after: 'idle', ms: LONG }));
      loop.wake();
      await until(() => state.calls === 2);

      const release = hold(state);
      loop.wake();
      await until(() => state.calls === 3); // held inside its turn
      loop.wake(); // work committed while the turn runs
      release();
      await until(() => state.calls === 4); // not slept through
      await loop.stop();
    },
    QUICK,
  );

  it(
    'does not cut a backoff short on wake; stop ends it',
    async () => {
      const { state, loop } = await started(() => ({ after: 'backoff', ms: LONG }));
      loop.wake();
      await aWhile();
      expect(state.calls).toBe(1);
      await loop.stop();
      expect(state.calls).toBe(1);
    },
    QUICK,
  );

  it(
    'stop waits for the turn in progress, and a stopped loop can start again',
    async () => {
      const { state, loop, release } = await heldInFirstTurn();
      let stopped = false;
      const stopping = loop.stop().then(() => (stopped = true));
      await aWhile();
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(state).toMatchObject({ calls: 1, active: 0 });

      loop.start();
      await until(() => state.calls === 2);
      await loop.stop();
    },
    QUICK,
  );

  it(
    'started again while a stop waits for its turn: still one turn at a time, and the stop resolves',
    async () => {
      const { state, loop, release } = await heldInFirstTurn();
      const stopping = loop.stop();
      loop.start();
      release();
      await stopping; // the old turn ended; the new run is not this stop's to wait for
      await until(() => state.calls === 2);
      expect(state.maxActive).toBe(1);
      expect(loop.running).toBe(true);
      await loop.stop();
    },
    QUICK,
  );

  it(
    'a turn that throws backs off and the loop goes on, instead of rejecting',
    async () => {
      const { state, loop } = await started((call) => {
        if (call === 1) throw new Error('the error reporter itself failed');
        return { after: 'idle', ms: LONG };
      }, 1);
      await until(() => state.calls === 2);
      expect(loop.running).toBe(true);
      await loop.stop();
    },
    QUICK,
  );
});
