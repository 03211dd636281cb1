import { TransferOptions } from './transfers.tokens';

/** Transfers above this many minor units wait for a second person's approval. */
export const DEFAULT_APPROVAL_THRESHOLD = 1_000_000;
/** How long a transfer may await approval before it expires: 24 h. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 86_400_000;

/** The approval settings in force: the options' own, else the defaults above. */
export function approvalSettings(
  options: Pick<TransferOptions, 'approvalThreshold' | 'approvalTimeoutMs'>,
): {
  threshold: number;
  timeoutMs: number;
} {
  return {
    threshold: options.approvalThreshold ?? DEFAULT_APPROVAL_THRESHOLD,
    timeoutMs: options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
  };
}
