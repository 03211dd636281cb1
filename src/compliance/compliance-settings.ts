/** DI token of ComplianceSettings. */
export const COMPLIANCE_SETTINGS = Symbol('COMPLIANCE_SETTINGS');

export interface ComplianceSettings {
  /** Deposits and withdrawals of at least this many minor units are reported. */
  readonly largeTransactionThreshold: number;
  /** An ATM deposit above this many minor units is reversed. */
  readonly atmDepositLimit: number;
}

/**
 * LARGE_TRANSACTION_THRESHOLD (default 1 000 000 minor units, 10 000.00: the usual
 * cash-reporting line) and ATM_DEPOSIT_LIMIT (default 500 000, 5 000.00); a value that is not
 * a positive integer stops the start.
 */
export function complianceSettings(env: NodeJS.ProcessEnv = process.env): ComplianceSettings {
  return {
    largeTransactionThreshold: positive(env, 'LARGE_TRANSACTION_THRESHOLD', 1_000_000),
    atmDepositLimit: positive(env, 'ATM_DEPOSIT_LIMIT', 500_000),
  };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
