/**
 * Document numbers compare in normalised form: trimmed, upper case, spaces and dashes removed
 * ("ab-12 345" and "AB12345" are one document). The normalised form is what is unique.
 */
export function normaliseDocumentNumber(raw: string): string {
  return raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '');
}

/** Normalised: 4-32 letters and digits. */
export const DOCUMENT_NUMBER_PATTERN = /^[A-Z0-9]{4,32}$/;

export const isValidDocumentNumber = (raw: string): boolean =>
  DOCUMENT_NUMBER_PATTERN.test(normaliseDocumentNumber(raw));
