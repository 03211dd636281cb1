import { ApiError } from '../errors/api-error';

const STRONG_VERSION_TAG = /^"(\d{1,10})"$/;

/**
 * Parses If-Match into the stream version the client expects. Accepts one strong entity
 * tag as sent in ETag (`"3"`); `*` means "any version" (undefined). Weak tags and lists are
 * rejected: a write must name exactly one version.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = STRONG_VERSION_TAG.exec(header.trim());
  const version = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(version) || version > 2_147_483_647) {
    throw new ApiError(
      'INVALID_IF_MATCH',
      'If-Match must be one quoted version as sent in ETag, e.g. "3"',
    );
  }
  return version;
}

/** The ETag of a stream version. */
export const versionTag = (version: number): string => `"${version}"`;
