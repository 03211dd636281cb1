import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMasterKey, replaceMasterKeyFile } from './master-key';
import { personalDataSettings } from './personal-data-settings';

describe('personalDataSettings', () => {
  const key = randomBytes(32).toString('base64');

  it('reads PII_MASTER_KEY', () => {
    const settings = personalDataSettings({ PII_MASTER_KEY: key }, '.data/pglite');
    expect(settings.masterKey?.toString('base64')).toBe(key);
  });

  it.each([
    'not base64 at all',
    randomBytes(16).toString('base64'),
    randomBytes(33).toString('base64'),
    `${key.slice(0, 20)}!${key.slice(21)}`,
  ])('refuses a PII_MASTER_KEY that is not 32 bytes of base64, without repeating it', (value) => {
    expect(() => personalDataSettings({ PII_MASTER_KEY: value }, '.data/pglite')).toThrow(
      /^PII_MASTER_KEY must be 32 bytes in base64/,
    );
    try {
      personalDataSettings({ PII_MASTER_KEY: value }, '.data/pglite');
    } catch (error) {
      expect((error as Error).message).not.toContain(value);
    }
  });

  it('keeps the key file in the data folder, or in memory with an in-memory database', () => {
    expect(personalDataSettings({}, '.data/pglite').masterKeyFile).toBe('.data/pii-master-key');
    expect(personalDataSettings({}, 'memory://').masterKeyFile).toBe('memory://');
    expect(personalDataSettings({ PII_MASTER_KEY_FILE: '/k' }, 'memory://').masterKeyFile).toBe(
      '/k',
    );
  });

  it('needs PII_MASTER_KEY in production', () => {
    expect(() => personalDataSettings({ NODE_ENV: 'production' }, '.data/pglite')).toThrow(
      /NODE_ENV=production needs PII_MASTER_KEY/,
    );
    expect(
      personalDataSettings({ NODE_ENV: 'production', PII_MASTER_KEY: key }, '.data/pglite')
        .masterKey,
    ).toHaveLength(32);
  });
});

describe('loadMasterKey', () => {
  it('generates the key file once, readable by its owner only, and reads it back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pii-key-')), 'nested', 'pii-master-key');
    const key = loadMasterKey({ masterKeyFile: file });
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(key.toString('base64'));
    expect(loadMasterKey({ masterKeyFile: file }).equals(key)).toBe(true);

    const next = randomBytes(32);
    replaceMasterKeyFile(file, next);
    expect(readFileSync(file, 'utf8').trim()).toBe(next.toString('base64'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadMasterKey({ masterKeyFile: file }).equals(next)).toBe(true);
  });

  it('prefers PII_MASTER_KEY and keeps memory:// keys per process', () => {
    const key = randomBytes(32);
    expect(loadMasterKey({ masterKey: key, masterKeyFile: 'memory://' })).toBe(key);
    const inMemory = loadMasterKey({ masterKeyFile: 'memory://' });
    expect(loadMasterKey({ masterKeyFile: 'memory://' }).equals(inMemory)).toBe(true);
  });
});
