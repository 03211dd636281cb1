import { randomBytes } from 'node:crypto';
import {
  isSealed,
  masterKeyId,
  newDataKey,
  openValue,
  opensCheckValue,
  sealCheckValue,
  sealValue,
  UnreadableValueError,
  unwrapKey,
  WrongMasterKeyError,
  wrapKey,
} from './sealing';

const SUBJECT = '4f7c2a9e-0b1d-4c3e-9a8f-2d6b5e1c7a30';

/** `sealed` with one byte of its payload flipped at `index` (counted from the payload start). */
function flipped(sealed: string, index: number): string {
  const bytes = Buffer.from(sealed.slice('pii:v1:'.length), 'base64url');
  bytes[index] ^= 0x01;
  return `pii:v1:${bytes.toString('base64url')}`;
}

describe('sealValue / openValue', () => {
  const key = newDataKey();

  it.each(['Ada Lovelace', '', 'Zoë Ångström 東京 🚀', 'x'.repeat(10_000)])(
    'round-trips %j',
    (plaintext) => {
      expect(openValue(key, sealValue(key, plaintext, SUBJECT), SUBJECT)).toBe(plaintext);
    },
  );

  it('writes pii:v1:<base64url(iv | ciphertext | tag)> with a fresh IV every time', () => {
    const first = sealValue(key, 'Ada', SUBJECT);
    const second = sealValue(key, 'Ada', SUBJECT);
    expect(first).toMatch(/^pii:v1:[A-Za-z0-9_-]+$/);
    // 12 bytes IV + 3 bytes ciphertext + 16 bytes tag.
    expect(Buffer.from(first.slice(7), 'base64url')).toHaveLength(31);
    expect(first).not.toBe(second);
    expect(first.slice(7, 23)).not.toBe(second.slice(7, 23));
  });

  it('detects a changed IV, ciphertext or tag byte', () => {
    const sealed = sealValue(key, 'Ada Lovelace', SUBJECT);
    for (const index of [0, 11, 12, 20, 12 + 12 + 15])
      expect(() => openValue(key, flipped(sealed, index), SUBJECT)).toThrow(UnreadableValueError);
  });

  it('rejects a truncated value or a shortened tag', () => {
    const sealed = sealValue(key, 'Ada Lovelace', SUBJECT);
    const bytes = Buffer.from(sealed.slice(7), 'base64url');
    const shortTag = `pii:v1:${bytes.subarray(0, bytes.length - 4).toString('base64url')}`;
    expect(() => openValue(key, shortTag, SUBJECT)).toThrow(UnreadableValueError);
    expect(() => openValue(key, 'pii:v1:AAAA', SUBJECT)).toThrow(UnreadableValueError);
  });

  it('does not open with another data key', () => {
    const sealed = sealValue(key, 'Ada Lovelace', SUBJECT);
    expect(() => openValue(newDataKey(), sealed, SUBJECT)).toThrow(UnreadableValueError);
  });

  it('does not open for another subject (a value moved to another customer)', () => {
    const sealed = sealValue(key, 'Ada Lovelace', SUBJECT);
    expect(() => openValue(key, sealed, 'another-customer')).toThrow(UnreadableValueError);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => sealValue(randomBytes(16), 'Ada', SUBJECT)).toThrow(RangeError);
    expect(() => openValue(randomBytes(31), 'pii:v1:x', SUBJECT)).toThrow(RangeError);
  });
});

describe('isSealed', () => {
  it('is true for sealed values only', () => {
    expect(isSealed(sealValue(newDataKey(), '', SUBJECT))).toBe(true);
    expect(isSealed(sealValue(newDataKey(), 'Ada', SUBJECT))).toBe(true);
    for (const value of [
      'Ada Lovelace',
      'pii:v1:',
      'pii:v1:short',
      `pii:v2:${'A'.repeat(40)}`,
      `pii:v1:${'A'.repeat(40)}=`,
      `pii:v1:${'A'.repeat(40)}+`,
      42,
      null,
      undefined,
      { sealed: true },
    ])
      expect(isSealed(value)).toBe(false);
  });
});

describe('wrapKey / unwrapKey', () => {
  const master = randomBytes(32);

  it('round-trips a data key', () => {
    const dataKey = newDataKey();
    const wrapped = wrapKey(master, dataKey);
    expect(wrapped).toHaveLength(12 + 32 + 16);
    expect(unwrapKey(master, wrapped).equals(dataKey)).toBe(true);
  });

  it('throws WrongMasterKeyError with another master key or a changed byte', () => {
    const wrapped = wrapKey(master, newDataKey());
    expect(() => unwrapKey(randomBytes(32), wrapped)).toThrow(WrongMasterKeyError);
    const altered = Buffer.from(wrapped);
    altered[30] ^= 0x80;
    expect(() => unwrapKey(master, altered)).toThrow(WrongMasterKeyError);
    expect(() => unwrapKey(master, wrapped.subarray(0, 20))).toThrow(WrongMasterKeyError);
  });

  it('keeps wrapped keys and the check value apart', () => {
    expect(opensCheckValue(master, sealCheckValue(master))).toBe(true);
    expect(opensCheckValue(randomBytes(32), sealCheckValue(master))).toBe(false);
    expect(opensCheckValue(master, wrapKey(master, newDataKey()))).toBe(false);
    expect(() => unwrapKey(master, sealCheckValue(master))).toThrow(WrongMasterKeyError);
  });

  it('names a master key by 16 hex characters of its SHA-256', () => {
    expect(masterKeyId(Buffer.alloc(32))).toBe('66687aadf862bd77');
    expect(masterKeyId(master)).toMatch(/^[0-9a-f]{16}$/);
  });
});
