import { createHash } from 'node:crypto';
import { MIN_SIGNING_KEY_BYTES } from '@ledgerline/event-sourcing/postgres';

/** DI token of AuditSettings. */
export const AUDIT_SETTINGS = Symbol('AUDIT_SETTINGS');

/** The event log's tamper evidence: the key that signs checkpoints, and how often they are written. */
export interface AuditSettings {
  /** AUDIT_SIGNING_KEY; unset outside production: DEVELOPMENT_SIGNING_KEY. */
  readonly signingKey: Buffer;
  /** Whether the key is the published development one (anyone can sign with it). */
  readonly developmentKey: boolean;
  /** AUDIT_CHECKPOINTS=off: this process writes no checkpoints (another instance may). */
  readonly checkpoints: boolean;
  /** AUDIT_CHECKPOINT_INTERVAL_MS, default 60 000. */
  readonly checkpointIntervalMs: number;
}

/**
 * The development key: derived from a published text, so checkpoints signed with it prove
 * nothing. Fixed rather than random, so the CLI verifies what a development app signed.
 */
export const DEVELOPMENT_SIGNING_KEY = createHash('sha256')
  .update('ledgerline development audit signing key: not a secret')
  .digest();

/**
 * AUDIT_SIGNING_KEY (at least 32 bytes in base64, e.g. `openssl rand -base64 32`),
 * AUDIT_CHECKPOINTS (on unless `off`), AUDIT_CHECKPOINT_INTERVAL_MS (1 000 to 86 400 000).
 * A bad value stops the start; so does NODE_ENV=production without a key.
 */
export function auditSettings(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  const text = env.AUDIT_SIGNING_KEY;
  if ((text === undefined || text === '') && env.NODE_ENV === 'production')
    throw new Error(
      'NODE_ENV=production needs AUDIT_SIGNING_KEY (32 bytes or more, base64): the development key signs nothing anyone could trust',
    );
  return {
    signingKey: text ? decodeSigningKey(text) : DEVELOPMENT_SIGNING_KEY,
    developmentKey: !text,
    checkpoints: env.AUDIT_CHECKPOINTS !== 'off',
    checkpointIntervalMs: interval(env.AUDIT_CHECKPOINT_INTERVAL_MS),
  };
}

/** The message never repeats the value: it is a secret, and error messages end up in logs. */
function decodeSigningKey(text: string): Buffer {
  const trimmed = text.trim();
  // Buffer.from(..., 'base64') skips characters it does not know; a typo must not pass.
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (!key || key.length < MIN_SIGNING_KEY_BYTES)
    throw new Error(
      `AUDIT_SIGNING_KEY must be at least ${MIN_SIGNING_KEY_BYTES} bytes in base64 (e.g. from \`openssl rand -base64 32\`)`,
    );
  return key;
}

function interval(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 60_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1_000 || value > 86_400_000)
    throw new Error(
      `AUDIT_CHECKPOINT_INTERVAL_MS must be an integer from 1000 to 86400000, got "${raw}"`,
    );
  return value;
}
