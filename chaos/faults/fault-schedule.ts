import { now, sleep } from '../support/clock';
import { Random } from '../support/random';
import { FaultInjector } from './fault-injector';
import { FaultKind } from './fault-kinds';
import { faultPlan } from './fault-plan';

/**
 * Injects faults from `startAt` until `endAt`, one set after another with a pause between
 * (the pause lets the system show its recovery under load). It goes on past `endAt` only
 * until every listed kind was injected at least once.
 */
export async function runFaultSchedule(
  injector: FaultInjector,
  kinds: readonly FaultKind[],
  random: Random,
  window: { readonly startAt: number; readonly endAt: number },
): Promise<void> {
  await sleep(Math.max(0, window.startAt - now()));
  const injected = new Set<FaultKind>();
  for (const set of faultPlan(kinds, random)) {
    const everyKindSeen = kinds.every((kind) => injected.has(kind));
    if (everyKindSeen && now() >= window.endAt) return;
    // A mix starts its faults up to a second apart, not in lockstep.
    await Promise.all(
      set.map((kind, index) =>
        sleep(index === 0 ? 0 : random.int(0, 1_000)).then(() =>
          injector.inject(kind, set.length > 1),
        ),
      ),
    );
    set.forEach((kind) => injected.add(kind));
    await sleep(random.int(3_000, 7_000));
  }
}
