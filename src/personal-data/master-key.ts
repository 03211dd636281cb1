import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeKeySetting, MASTER_KEY_BYTES, PersonalDataSettings } from './personal-data-settings';

const generated = new Map<string, Buffer>();

/**
 * The master key that wraps every customer's data key: PII_MASTER_KEY when set, otherwise the
 * key kept at `masterKeyFile`, generated (and written, readable by its owner only) on first
 * use; `memory://` keeps a fresh key in this process only. One load per location per process,
 * so every caller wraps and unwraps with the same key.
 */
export function loadMasterKey(settings: PersonalDataSettings): Buffer {
  if (settings.masterKey) return settings.masterKey;
  let key = generated.get(settings.masterKeyFile);
  if (!key) {
    key = loadOrCreate(settings.masterKeyFile);
    generated.set(settings.masterKeyFile, key);
  }
  return key;
}

/**
 * Puts `key` into the key file in place of the one there (after a master key rotation):
 * renamed over it, so a start at any moment reads the old key or the new one, never a mix.
 */
export function replaceMasterKeyFile(location: string, key: Buffer): void {
  if (location.startsWith('memory://')) throw new Error('an in-memory master key has no file');
  const temporary = `${location}.${process.pid}.tmp`;
  writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600 });
  renameSync(temporary, location);
  generated.set(location, key);
}

function loadOrCreate(location: string): Buffer {
  if (location.startsWith('memory://')) return randomBytes(MASTER_KEY_BYTES);
  const stored = readStored(location);
  if (stored) return stored;
  const key = randomBytes(MASTER_KEY_BYTES);
  mkdirSync(dirname(location), { recursive: true });
  // Written whole to a private temporary file, then linked into place: a process starting at
  // the same moment finds either no key or a complete one, and the loser of the race uses the
  // winner's key.
  const temporary = `${location}.${process.pid}.tmp`;
  writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, location);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readStored(location)!;
  } finally {
    unlinkSync(temporary);
  }
  return key;
}

function readStored(location: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(location, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Deleting this file would make every sealed value unreadable, so the message does not
  // suggest it (unlike a development token key).
  return decodeKeySetting(`the master key file ${location}`, text);
}
