/**
 * Money is an integer number of minor units (cents) of one ISO 4217 currency. Never a float.
 * One movement is at most MAX_AMOUNT minor units (10^11: a billion of a two-decimal
 * currency), and no balance may exceed Number.MAX_SAFE_INTEGER, the largest integer a
 * JavaScript number (and a JSON client) holds exactly.
 */
export const MAX_AMOUNT = 100_000_000_000;
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;

/** A positive whole number of minor units, at most MAX_AMOUNT. */
export function isValidAmount(amount: number): boolean {
  return Number.isSafeInteger(amount) && amount > 0 && amount <= MAX_AMOUNT;
}
