import { JsonObject, JsonValue } from '../core/json';
import { ProcessCommand } from './process-manager';

/** A class whose instances are commands (its name is their stored type). */
export type CommandClass = abstract new (...args: never[]) => unknown;

/** A command cannot be stored as its class name and JSON fields without losing something. */
export class UnstorableCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** What a value is, for an error message. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`;
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object of no class';
}

function unstorable(path: string, why: string): UnstorableCommandError {
  return new UnstorableCommandError(
    `${path} ${why}: a process command is stored as JSON, and must hold JSON values only ` +
      '(strings, finite numbers, booleans, null, arrays and plain objects of them)',
  );
}

/** The own fields of an object as JSON; an undefined field is left out (read back, it is absent). */
function fieldsOf(value: object, path: string): JsonObject {
  const fields: JsonObject = {};
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor) continue;
    if (typeof key === 'symbol') {
      // Symbols are not JSON; a hidden one (a marker) is not a field.
      if (descriptor.enumerable)
        throw unstorable(`${path}[${String(key)}]`, 'is keyed by a symbol');
      continue;
    }
    const field = `${path}.${key}`;
    if (!descriptor.enumerable) throw unstorable(field, 'is not enumerable');
    if (!('value' in descriptor)) throw unstorable(field, 'is an accessor');
    if (descriptor.value === undefined) continue;
    fields[key] = jsonOf(descriptor.value, field);
  }
  return fields;
}

/** A copy of `value` that JSON keeps exactly, or an error naming the field that it would not. */
function jsonOf(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw unstorable(path, `is ${kindOf(value)}`);
    return value;
  }
  if (typeof value !== 'object') throw unstorable(path, `is ${kindOf(value)}`);
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (let index = 0; index < value.length; index++) {
      if (!(index in value)) throw unstorable(`${path}[${index}]`, 'is a hole');
      const item: unknown = value[index];
      if (item === undefined) throw unstorable(`${path}[${index}]`, 'is undefined');
      items.push(jsonOf(item, `${path}[${index}]`));
    }
    return items;
  }
  if (!isPlainObject(value)) throw unstorable(path, `is ${kindOf(value)}`);
  return fieldsOf(value, path);
}

/**
 * A command instance as a process manager stores it: `type` its class name, `data` its own
 * fields as JSON (a deep copy). Read back (restoreCommand) it is an instance of the same class
 * with equal fields, or it is not stored at all: a field JSON would not keep as it is (a Date,
 * a Map, an instance of another class, undefined in an array, NaN, a function...) throws.
 * A field that is undefined is left out, and reads back as absent.
 * @throws UnstorableCommandError for a plain object, an instance of an anonymous class, or a
 * field that JSON would change
 */
export function processCommand(command: object): ProcessCommand {
  const prototype: unknown = Object.getPrototypeOf(command);
  const CommandClass: unknown =
    typeof prototype === 'object' && prototype !== null
      ? (prototype as { constructor?: unknown }).constructor
      : undefined;
  if (isPlainObject(command) || typeof CommandClass !== 'function')
    throw new UnstorableCommandError(
      'a process command is an instance of its class (its stored type is the class name), not a plain object',
    );
  const type = CommandClass.name;
  if (type === '' || CommandClass.prototype !== prototype)
    throw new UnstorableCommandError(
      'a process command is an instance of a named class (its stored type is the class name)',
    );
  return { type, data: fieldsOf(command, type) };
}

/**
 * A stored command made again as an instance of its class (found by its stored type), with its
 * stored fields; its constructor does not run. Undefined when no class has its type.
 */
export function restoreCommand(
  stored: ProcessCommand,
  classes: ReadonlyMap<string, CommandClass>,
): object | undefined {
  const CommandClass = classes.get(stored.type);
  if (!CommandClass) return undefined;
  const prototype: unknown = CommandClass.prototype;
  if (typeof prototype !== 'object' || prototype === null)
    throw new Error(`${stored.type} has no prototype to make a command of`);
  return Object.assign(Object.create(prototype) as object, stored.data);
}

/**
 * Reads commands stored in a shape of an earlier version (another type, other fields) as
 * commands of today; undefined for a command it does not know (then read as it is stored).
 * Stored commands are kept as they were written, so a command stored by the version before an
 * upgrade and sent (or refused) after it goes through one of these.
 */
export type StoredCommandUpcaster = (stored: ProcessCommand) => object | undefined;

/** Classes by name, as commands are stored. @throws Error for two classes of one name */
export function commandClassesByName(
  classes: readonly CommandClass[],
): ReadonlyMap<string, CommandClass> {
  const byName = new Map<string, CommandClass>();
  for (const CommandClass of classes) {
    const known = byName.get(CommandClass.name);
    if (known && known !== CommandClass)
      throw new Error(`two command classes are named ${CommandClass.name}`);
    byName.set(CommandClass.name, CommandClass);
  }
  return byName;
}
