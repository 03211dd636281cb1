import { RecordedEvent } from './event';
import { JsonObject } from './json';
import { EventUpcasters, NO_UPCASTERS, Upcaster } from './upcasting';

const recorded = (type: string, schemaVersion: number, data: JsonObject): RecordedEvent => ({
  globalPosition: 1n,
  transactionId: 1n,
  eventId: '00000000-0000-4000-8000-000000000001',
  streamId: 'thing-1',
  streamVersion: 1,
  type,
  schemaVersion,
  data,
  metadata: {
    commandId: 'c',
    correlationId: 'c',
    causationId: 'c',
    actor: 'test',
    occurredAt: '2026-01-01T00:00:00.000Z',
  },
  recordedAt: new Date('2026-01-01T00:00:00.000Z'),
});

/** v1 {name} -> v2 {name, channel} -> v3 {fullName, channel}: each step sees the last one's output. */
const renamed: Upcaster[] = [
  {
    type: 'Renamed',
    fromVersion: 2,
    upcast: ({ name, ...rest }) => ({ ...rest, fullName: name ?? null }),
  },
  { type: 'Renamed', fromVersion: 1, upcast: (data) => ({ ...data, channel: 'unknown' }) },
];

describe('EventUpcasters', () => {
  it('applies a chain in order v1 -> v2 -> v3, whatever order the upcasters were given in', () => {
    const upcasters = new EventUpcasters(renamed);
    const event = recorded('Renamed', 1, { name: 'Ada' });
    const upcast = upcasters.upcast(event);
    expect(upcast.schemaVersion).toBe(3);
    expect(upcast.data).toEqual({ fullName: 'Ada', channel: 'unknown' });
    // the envelope is kept, the stored event is not mutated
    expect(upcast).toMatchObject({ eventId: event.eventId, streamVersion: 1, streamId: 'thing-1' });
    expect(event).toMatchObject({ schemaVersion: 1, data: { name: 'Ada' } });
  });

  it('starts the chain from the stored version (a v2 event gets only v2 -> v3)', () => {
    const upcast = new EventUpcasters(renamed).upcast(
      recorded('Renamed', 2, { name: 'Ada', channel: 'atm' }),
    );
    expect(upcast).toMatchObject({ schemaVersion: 3, data: { fullName: 'Ada', channel: 'atm' } });
  });

  it('knows the current version of every type (1 without upcasters)', () => {
    const upcasters = new EventUpcasters(renamed);
    expect(upcasters.currentVersion('Renamed')).toBe(3);
    expect(upcasters.currentVersion('Other')).toBe(1);
    expect(NO_UPCASTERS.currentVersion('Renamed')).toBe(1);
  });

  it('returns an event already in the current shape as is (the same object)', () => {
    const upcasters = new EventUpcasters(renamed);
    const current = recorded('Renamed', 3, { fullName: 'Ada', channel: 'online' });
    expect(upcasters.upcast(current)).toBe(current);
    const unrelated = recorded('Other', 1, { x: 1 });
    expect(upcasters.upcast(unrelated)).toBe(unrelated);
    expect(NO_UPCASTERS.upcast(unrelated)).toBe(unrelated);
  });

  it('refuses two upcasters of one type and version', () => {
    expect(
      () =>
        new EventUpcasters([
          { type: 'Renamed', fromVersion: 1, upcast: (data) => data },
          { type: 'Renamed', fromVersion: 1, upcast: (data) => data },
        ]),
    ).toThrow(RangeError);
  });

  it('refuses a gap in a chain', () => {
    expect(
      () =>
        new EventUpcasters([
          { type: 'Renamed', fromVersion: 1, upcast: (data) => data },
          { type: 'Renamed', fromVersion: 3, upcast: (data) => data },
        ]),
    ).toThrow(/no upcaster from v2/);
    expect(
      () => new EventUpcasters([{ type: 'Renamed', fromVersion: 2, upcast: (data) => data }]),
    ).toThrow(RangeError);
  });

  it('keeps the chains of different types apart', () => {
    const upcasters = new EventUpcasters([
      ...renamed,
      { type: 'Moved', fromVersion: 1, upcast: (data) => ({ ...data, moved: true }) },
    ]);
    expect(upcasters.currentVersion('Moved')).toBe(2);
    expect(upcasters.upcast(recorded('Moved', 1, { to: 'x' }))).toMatchObject({
      schemaVersion: 2,
      data: { to: 'x', moved: true },
    });
  });
});
