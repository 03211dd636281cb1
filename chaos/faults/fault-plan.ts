import { Random } from '../support/random';
import { FaultKind, faultTarget } from './fault-kinds';

/**
 * The order of faults: first every listed kind alone (so each is seen in isolation and at
 * least once), then mixes of two kinds acting on different things, then more of the same.
 */
export function* faultPlan(kinds: readonly FaultKind[], random: Random): Generator<FaultKind[]> {
  if (kinds.length === 0) return;
  for (const kind of random.shuffle(kinds)) yield [kind];
  for (;;) {
    const first = random.pick(kinds);
    const partners = kinds.filter((kind) => faultTarget(kind) !== faultTarget(first));
    yield partners.length && random.chance(0.7) ? [first, random.pick(partners)] : [first];
  }
}
