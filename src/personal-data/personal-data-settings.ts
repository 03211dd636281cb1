/** Where the master key of the personal-data keys comes from; read once at start-up. */
export interface PersonalDataSettings {
  /** From PII_MASTER_KEY. Unset: the key kept at `masterKeyFile`. */
  readonly masterKey?: Buffer;
  /** Where a generated key is kept; `memory://` keeps it in this process only. */
  readonly masterKeyFile: string;
}

export const MASTER_KEY_BYTES = 32;

export function personalDataSettings(
  env: NodeJS.ProcessEnv,
  embeddedDataDir: string,
): PersonalDataSettings {
  const masterKey =
    env.PII_MASTER_KEY === undefined || env.PII_MASTER_KEY === ''
      ? undefined
      : decodeKeySetting('PII_MASTER_KEY', env.PII_MASTER_KEY);
  // Whoever reads a key file on the server's disk reads every customer's personal data: a
  // generated key is never the silent default in production.
  if (masterKey === undefined && env.NODE_ENV === 'production')
    throw new Error(
      'NODE_ENV=production needs PII_MASTER_KEY (32 bytes, base64): a generated key file is for development only',
    );
  return {
    masterKey,
    // Relative to the working directory, like the embedded database's default folder; in
    // memory when that database is.
    masterKeyFile:
      env.PII_MASTER_KEY_FILE ||
      (embeddedDataDir.startsWith('memory://') ? 'memory://' : '.data/pii-master-key'),
  };
}

/**
 * A 32-byte key written in base64 (e.g. `openssl rand -base64 32`). The message names where
 * the value came from and never repeats it: it is a secret, and error messages end up in logs.
 */
export function decodeKeySetting(name: string, text: string): Buffer {
  const trimmed = text.trim();
  // Buffer.from(..., 'base64') skips characters it does not know; a typo must not pass.
  const key = /^[A-Za-z0-9+/]{43}=?$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (!key || key.length !== MASTER_KEY_BYTES)
    throw new Error(
      `${name} must be ${MASTER_KEY_BYTES} bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`)`,
    );
  return key;
}
