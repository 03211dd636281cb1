import { CheckContext } from './check-context';
import { skipped, Verdict, verdict } from './verdict';

/**
 * Every fault kind the run was asked for was injected at least once, and no injection failed
 * (a fault that did not happen leaves the other verdicts vacuous for it).
 */
export function checkFaultsInjected({ requestedFaults, faults }: CheckContext): Verdict {
  if (requestedFaults.length === 0) return skipped('faults-injected', 'no faults requested');
  const missing = requestedFaults.filter(
    (kind) => !faults.some((fault) => fault.kind === kind && !fault.error),
  );
  const failed = faults.filter((fault) => fault.error);
  return verdict(
    'faults-injected',
    missing.length === 0 && failed.length === 0,
    `${faults.length} injected; ` +
      (missing.length
        ? `never injected successfully: ${missing.join(', ')}; `
        : 'every kind at least once; ') +
      `${failed.length} failed` +
      (failed.length
        ? `: ${failed.map((f) => `${f.kind}: ${(f.error ?? '').split('\n')[0].slice(0, 160)}`).join('; ')}`
        : ''),
  );
}
