import {
  commandClassesByName,
  processCommand,
  restoreCommand,
  UnstorableCommandError,
} from './process-command';

type Line = { sku: string; quantity: number };

class ShipOrder {
  constructor(
    readonly orderId: string,
    readonly lines: readonly Line[],
    readonly note: string | null,
    readonly context: { readonly actor: string; readonly scope: { kind: 'all' } },
    readonly giftWrap?: boolean,
  ) {}
}

class CancelOrder {
  constructor(readonly orderId: string) {}
}

const context = Object.freeze({
  actor: 'placeholder',
  scope: Object.freeze({ kind: 'all' as const }),
});
const ship = () => new ShipOrder('o-1', [{ sku: 'a', quantity: 2 }], null, context);
const classes = commandClassesByName([ShipOrder, CancelOrder]);

describe('processCommand: a command instance as a process manager stores it', () => {
  it('is its class name and its own fields as JSON, a copy', () => {
    const command = ship();
    const stored = processCommand(command);
    expect(stored).toStrictEqual({
      type: 'ShipOrder',
      data: {
        orderId: 'o-1',
        lines: [{ sku: 'a', quantity: 2 }],
        note: null,
        context: { actor: 'placeholder', scope: { kind: 'all' } },
      },
    });
    expect(JSON.parse(JSON.stringify(stored))).toStrictEqual(stored);
    expect(stored.data.lines).not.toBe(command.lines);
    expect(processCommand(new CancelOrder('o-1'))).toStrictEqual({
      type: 'CancelOrder',
      data: { orderId: 'o-1' },
    });
  });

  it('reads back as an instance of its class with equal fields (an undefined field reads as absent)', () => {
    const command = ship();
    const restored = restoreCommand(processCommand(command), classes);
    expect(restored).toBeInstanceOf(ShipOrder);
    expect(restored).toEqual(command);
    expect(restored).not.toHaveProperty('giftWrap');
    const wrapped = new ShipOrder('o-2', [], 'for Ann', context, true);
    expect(restoreCommand(processCommand(wrapped), classes)).toStrictEqual(wrapped);
    expect(restoreCommand(processCommand(ship()), new Map())).toBeUndefined();
    expect(
      restoreCommand(JSON.parse(JSON.stringify(processCommand(wrapped))) as never, classes),
    ).toStrictEqual(wrapped);
  });

  it('tells commands apart by class and by every field', () => {
    const other = new ShipOrder('o-1', [{ sku: 'a', quantity: 3 }], null, context);
    expect(processCommand(other)).not.toEqual(processCommand(ship()));
    class ShipOrderAgain extends ShipOrder {}
    const again = new ShipOrderAgain('o-1', [{ sku: 'a', quantity: 2 }], null, context);
    expect(processCommand(again).type).toBe('ShipOrderAgain');
  });

  it.each<[string, () => object, RegExp]>([
    ['a Date', () => ({ at: new Date(0) }), /ShipOrder\.context\.at is a Date/],
    ['a Map', () => ({ seen: new Map() }), /ShipOrder\.context\.seen is a Map/],
    [
      'a class instance',
      () => ({ order: new CancelOrder('x') }),
      /context\.order is a CancelOrder/,
    ],
    ['NaN', () => ({ rate: NaN }), /ShipOrder\.context\.rate is NaN/],
    ['Infinity', () => ({ rate: Infinity }), /ShipOrder\.context\.rate is Infinity/],
    ['a bigint', () => ({ cents: 10n }), /ShipOrder\.context\.cents is a bigint/],
    ['a function', () => ({ later: () => 1 }), /ShipOrder\.context\.later is a function/],
    ['undefined in an array', () => ({ list: [1, undefined] }), /context\.list\[1\] is undefined/],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in an array', () => ({ list: [1, , 3] }), /ShipOrder\.context\.list\[1\] is a hole/],
    ['a symbol key', () => ({ [Symbol('s')]: 1 }), /is keyed by a symbol/],
    [
      'an accessor',
      () => Object.defineProperty({}, 'now', { get: () => 1, enumerable: true }),
      /ShipOrder\.context\.now is an accessor/,
    ],
    [
      'a hidden field',
      () => Object.defineProperty({}, 'secret', { value: 1, enumerable: false }),
      /ShipOrder\.context\.secret is not enumerable/,
    ],
  ])('refuses a field JSON would not keep: %s', (_what, field, message) => {
    const command = new ShipOrder('o-1', [], null, field() as typeof context);
    expect(() => processCommand(command)).toThrow(UnstorableCommandError);
    expect(() => processCommand(command)).toThrow(message);
  });

  it('refuses what has no class name to be stored under', () => {
    expect(() => processCommand({ orderId: 'o-1' })).toThrow(/not a plain object/);
    expect(() => processCommand(Object.create(null) as object)).toThrow(/not a plain object/);
    const Anonymous = (() => class {})();
    expect(() => processCommand(new Anonymous())).toThrow(/a named class/);
  });

  it('refuses two classes of one name', () => {
    const Twin = (() => class CancelOrder {})();
    expect(() => commandClassesByName([CancelOrder, Twin])).toThrow(
      /two command classes are named CancelOrder/,
    );
    expect(commandClassesByName([CancelOrder, CancelOrder]).size).toBe(1);
  });
});
