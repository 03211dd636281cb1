import { randomBytes } from 'node:crypto';
import { RunningDigest } from './running-digest';

const hashes = [randomBytes(32), randomBytes(32), randomBytes(32)];

function digestOf(events: [string, Buffer | null][], previous: Buffer | null = null): Buffer {
  const digest = new RunningDigest(previous);
  for (const [position, hash] of events) digest.add(position, hash);
  return digest.digest();
}

describe('RunningDigest', () => {
  const log: [string, Buffer | null][] = [
    ['1', hashes[0]],
    ['2', hashes[1]],
    ['3', hashes[2]],
  ];

  it('is the same for the same events in the same order', () => {
    expect(digestOf(log).equals(digestOf([...log]))).toBe(true);
  });

  it('changes when an event is removed, moved, renumbered or replaced', () => {
    const original = digestOf(log);
    for (const changed of [
      [log[0], log[1]],
      [log[1], log[0], log[2]],
      [log[0], ['5', hashes[1]], log[2]],
      [log[0], log[1], ['3', randomBytes(32)]],
      [log[0], log[1], ['3', null]],
    ] as [string, Buffer | null][][])
      expect(digestOf(changed).equals(original)).toBe(false);
  });

  it('chains from the previous digest, and counts what it added', () => {
    const first = digestOf(log.slice(0, 1));
    const next = new RunningDigest(first);
    next.add('2', hashes[1]);
    expect(next.events).toBe(1);
    expect(next.digest().equals(digestOf(log.slice(1, 2)))).toBe(false);
  });
});
