import { createHash } from 'node:crypto';
import { v5 as uuidV5 } from 'uuid';
import { OperationRecord } from '../workload/history';

// The app's fixed namespace for command ids derived from an Idempotency-Key
// (src/common/http/command-context.decorator.ts). Copied, not imported: the checker's
// reference must not move when the app's code does.
const COMMAND_ID_NAMESPACE = '0b7f7c5e-4a43-4f6e-9a53-5b1f0f2f6d7a';

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The command ids the app may have derived from the operation's key: UUIDv5 of the key as the
 * app stores it (per principal: the client's key, a space, the caller's actor `user:<sub>`)
 * and the request fingerprint (method, path, canonical body). A request without a body may
 * reach the app as `null` or `{}`, so both are accepted.
 */
export function derivedCommandIds(operation: OperationRecord): string[] {
  const bodies = operation.body === null ? [null, {}] : [operation.body];
  const storedKey = `${operation.key} ${operation.actor}`;
  return bodies.map((body) => {
    const fingerprint = createHash('sha256')
      .update(`POST ${operation.path}\n${canonicalJson(body)}`)
      .digest('hex');
    return uuidV5(`${storedKey}\n${fingerprint}`, COMMAND_ID_NAMESPACE);
  });
}
