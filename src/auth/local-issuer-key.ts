import {
  calculateJwkThumbprint,
  CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  JWK,
} from 'jose';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The local development issuer's ES256 key pair. */
export interface LocalIssuerKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public half as the JWKS publishes it. */
  readonly publicJwk: JWK;
}

interface StoredKey {
  readonly privateJwk: JWK;
}

const keys = new Map<string, Promise<LocalIssuerKey>>();

/**
 * The key pair kept at `location`, generated (and written, readable by its owner only) on
 * first use; `memory://` keeps a fresh pair in this process only. One load per location
 * per process, so every caller signs and verifies with the same pair.
 */
export function localIssuerKey(location: string): Promise<LocalIssuerKey> {
  let key = keys.get(location);
  if (!key) {
    key = loadOrCreate(location);
    keys.set(location, key);
  }
  return key;
}

async function loadOrCreate(location: string): Promise<LocalIssuerKey> {
  const inMemory = location.startsWith('memory://');
  const stored = inMemory ? undefined : readStored(location);
  if (stored) return fromPrivateJwk(stored.privateJwk);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  if (!inMemory) {
    mkdirSync(dirname(location), { recursive: true });
    // Written whole to a private temporary file, then linked into place: a process starting
    // at the same moment finds either no key or a complete one, never a half-written file,
    // and the loser of the race uses the winner's key.
    const temporary = `${location}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ privateJwk } satisfies StoredKey), { mode: 0o600 });
    try {
      linkSync(temporary, location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return fromPrivateJwk(readStored(location)!.privateJwk);
    } finally {
      unlinkSync(temporary);
    }
  }
  return fromPrivateJwk(privateJwk);
}

function readStored(location: string): StoredKey | undefined {
  let text: string;
  try {
    text = readFileSync(location, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StoredKey>;
  if (!parsed.privateJwk || parsed.privateJwk.kty !== 'EC' || !parsed.privateJwk.d)
    throw new Error(`${location} does not hold an EC private key (delete it to make a new one)`);
  return { privateJwk: parsed.privateJwk };
}

async function fromPrivateJwk(privateJwk: JWK): Promise<LocalIssuerKey> {
  const publicPart: JWK = { ...privateJwk };
  delete publicPart.d;
  const kid = await calculateJwkThumbprint(publicPart);
  const privateKey = (await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256')) as CryptoKey;
  return {
    kid,
    privateKey,
    publicJwk: { ...publicPart, kid, alg: 'ES256', use: 'sig' },
  };
}
