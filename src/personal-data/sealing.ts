import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// AES-256-GCM throughout: a random 96-bit IV per encryption (the size GCM is built for) and
// the full 128-bit tag, laid out as iv | ciphertext | tag.
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_PREFIX = 'pii:v1:';
// Separate AADs per use, so a wrapped data key can never be opened as the check value or
// the other way round.
const WRAP_AAD = Buffer.from('ledgerline:pii-data-key:v1');
const CHECK_AAD = Buffer.from('ledgerline:pii-master-key-check:v1');
const CHECK_PLAINTEXT = Buffer.from('ledgerline personal data master key check');

/** The master key given does not open what was wrapped or sealed with another one. */
export class WrongMasterKeyError extends Error {
  constructor(message = 'the master key does not open this data key') {
    super(message);
    this.name = 'WrongMasterKeyError';
  }
}

/** A sealed value that is malformed, altered, or sealed with another key or for another subject. */
export class UnreadableValueError extends Error {
  constructor(message = 'the sealed value does not open with this data key and subject') {
    super(message);
    this.name = 'UnreadableValueError';
  }
}

/** Names a master key in the database and in messages; the hash does not give the key away. */
export function masterKeyId(master: Buffer): string {
  return createHash('sha256').update(master).digest('hex').slice(0, 16);
}

/** A fresh random data key. */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function wrapKey(master: Buffer, dataKey: Buffer): Buffer {
  assertKey(dataKey, 'data key');
  return encrypt(master, dataKey, WRAP_AAD);
}

/** @throws WrongMasterKeyError when `master` did not wrap it (or the bytes were altered) */
export function unwrapKey(master: Buffer, wrapped: Buffer): Buffer {
  const dataKey = decrypt(master, wrapped, WRAP_AAD);
  if (!dataKey || dataKey.length !== KEY_BYTES) throw new WrongMasterKeyError();
  return dataKey;
}

/** A known constant sealed with `master`: tells at start-up whether the master key is the one. */
export function sealCheckValue(master: Buffer): Buffer {
  return encrypt(master, CHECK_PLAINTEXT, CHECK_AAD);
}

export function opensCheckValue(master: Buffer, checkValue: Buffer): boolean {
  return decrypt(master, checkValue, CHECK_AAD)?.equals(CHECK_PLAINTEXT) ?? false;
}

/**
 * `plaintext` sealed with a subject's data key, as `pii:v1:<base64url(iv|ciphertext|tag)>`.
 * `aad` (the subject's id) is authenticated, not stored: a value copied onto another subject
 * does not open there.
 */
export function sealValue(dataKey: Buffer, plaintext: string, aad: string): string {
  assertKey(dataKey, 'data key');
  const sealed = encrypt(dataKey, Buffer.from(plaintext, 'utf8'), Buffer.from(aad, 'utf8'));
  return SEALED_PREFIX + sealed.toString('base64url');
}

/** @throws UnreadableValueError when malformed, altered, or not sealed with this key and aad */
export function openValue(dataKey: Buffer, sealed: string, aad: string): string {
  assertKey(dataKey, 'data key');
  if (!isSealed(sealed)) throw new UnreadableValueError('not a pii:v1 sealed value');
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  const plaintext = decrypt(dataKey, bytes, Buffer.from(aad, 'utf8'));
  if (!plaintext) throw new UnreadableValueError();
  return plaintext.toString('utf8');
}

/** Whether `value` has the sealed format (not whether it opens). */
export function isSealed(value: unknown): value is string {
  // At least iv and tag: 28 bytes are 38 base64url characters.
  return typeof value === 'string' && /^pii:v1:[A-Za-z0-9_-]{38,}$/.test(value);
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  assertKey(key, 'key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
}

/** undefined when the tag does not verify: wrong key, wrong aad, or altered bytes. */
function decrypt(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | undefined {
  assertKey(key, 'key');
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  // authTagLength pinned: otherwise a shortened tag would be accepted.
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const ciphertext = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

function assertKey(key: Buffer, what: string): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`a ${what} must be ${KEY_BYTES} bytes`);
}
