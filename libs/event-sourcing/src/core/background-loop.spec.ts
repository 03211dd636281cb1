import { setImmediate as nextTurn } from 'node:timers/promises';
import { BackgroundLoop, GO_ON, NextTurn } from './background-loop';

/** Lets the loop run until `condition` holds (every wait in these tests is a minute long). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await nextTurn();
  expect(condition()).toBe(true);
}

/** Gives the loop room to run a turn it should not run. */
async function aWhile(): Promise<void> {
  for (let i = 0; i < 20; i++) await nextTurn();
}

const LONG = 60_000;

/** A turn function that counts its calls and can be held at its start. */
function turns(next: (call: number) => NextTurn) {
  const state = { calls: 0, active: 0, maxActive: 0, gate: Promise.resolve() };
  const turn = async (): Promise<NextTurn> => {
    state.calls++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    await state.gate;
    state.active--;
    return next(state.calls);
  };
  return { state, turn };
}

/** A started loop, after its first turn. */
async function started(next: (call: number) => NextTurn) {
  const { state, turn } = turns(next);
  const loop = new BackgroundLoop(turn);
  loop.start();
  await until(() => state.calls === 1);
  return { state, loop };
}

describe('BackgroundLoop', () => {
  it('goes on at once while there is work, one turn at a time, then waits idle until stopped', async () => {
    const { state, turn } = turns((call) => (call < 4 ? GO_ON : { after: 'idle', ms: LONG }));
    const loop = new BackgroundLoop(turn);
    loop.start();
    loop.start(); // a second start while running adds no loop
    await until(() => state.calls === 4);
    await aWhile();
    expect(state.calls).toBe(4); // idle: no fifth turn without a wake
    expect(state.maxActive).toBe(1);
    expect(loop.running).toBe(true);
    await loop.stop(); // ends the minute-long idle wait at once
    expect(loop.running).toBe(false);
  });

  it('ends an idle wait on wake, and remembers a wake that came during a turn', async () => {
    const { state, loop } = await started(() => ({ after: 'idle', ms: LONG }));
    loop.wake();
    await until(() => state.calls === 2);

    let release = (): void => undefined;
    state.gate = new Promise((resolve) => (release = resolve));
    loop.wake();
    await until(() => state.calls === 3); // held inside its turn
    loop.wake(); // work committed while the turn runs
    release();
    await until(() => state.calls === 4); // not slept through
    await loop.stop();
  });

  it('does not cut a backoff short on wake; stop does, after the turn in progress', async () => {
    const { state, loop } = await started(() => ({ after: 'backoff', ms: LONG }));
    loop.wake();
    await aWhile();
    expect(state.calls).toBe(1);
    await loop.stop();
    expect(state.calls).toBe(1);
  });

  it('stop waits for the turn in progress, and a stopped loop can start again', async () => {
    const { state, turn } = turns(() => ({ after: 'idle', ms: LONG }));
    let release = (): void => undefined;
    state.gate = new Promise((resolve) => (release = resolve));
    const loop = new BackgroundLoop(turn);
    loop.start();
    await until(() => state.active === 1);
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
  });
});
