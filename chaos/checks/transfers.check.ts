import { auditTransfers, stepsFor, TransferAudit } from '../../test/support/transfers-audit';
import { isRecord } from '../infra/admin-api';
import { eachLimited } from '../support/each-limited';
import { CheckContext } from './check-context';
import { examples, Verdict, verdict } from './verdict';

const STEPS = ['debited', 'credited', 'cancelled', 'refunded', 'settled'] as const;
/** At most this many transfers are read back through GET /transfers/{id}. */
const API_SAMPLE = 2_000;

/**
 * A refused debit that a stale resend later made succeed is refunded (docs/architecture.md, "Transfers and process managers"):
 * FAILED with one debit and one refund moves no money either.
 */
const lateDebitRefunded = (t: TransferAudit): boolean =>
  t.outcome === 'FAILED' &&
  t.debited === 1 &&
  t.refunded === 1 &&
  t.credited === 0 &&
  t.settled === 0;

function stepsAgree(t: TransferAudit): boolean {
  const expected = stepsFor(t.outcome);
  if (!expected) return false;
  return STEPS.every((step) => t[step] === expected[step]) || lateDebitRefunded(t);
}

/**
 * Every transfer ended (COMPLETED, FAILED or COMPENSATED, exactly once), was initiated once,
 * and the debit, credit, cancellation, refund and settlement on the account streams are
 * what its outcome requires (test/support/transfers-audit's rules); the API reports that
 * outcome.
 */
export async function checkTransfers(context: CheckContext): Promise<Verdict> {
  const transfers = await auditTransfers(context.dataSource);
  const problems: string[] = [];
  const outcomes = new Map<string, number>();
  let lateRefunds = 0;
  for (const t of transfers) {
    outcomes.set(t.outcome ?? 'PENDING', (outcomes.get(t.outcome ?? 'PENDING') ?? 0) + 1);
    if (lateDebitRefunded(t)) lateRefunds++;
    if (t.initiated !== 1 || t.ended !== 1 || !stepsAgree(t)) {
      const steps = STEPS.map((step) => `${step} ${t[step]}`).join(', ');
      problems.push(
        `transfer ${t.transferId} ${t.outcome ?? 'PENDING'}: initiated ${t.initiated}, ended ${t.ended}, ${steps}`,
      );
    }
  }
  const sample = transfers.slice(0, API_SAMPLE);
  await eachLimited(sample, 8, async (t) => {
    const body = await context.get(`/transfers/${t.transferId}`);
    if (!isRecord(body) || body.status !== (t.outcome ?? 'PENDING'))
      problems.push(
        `GET /transfers/${t.transferId}: ${isRecord(body) ? String(body.status) : 'no answer'}, the log says ${t.outcome}`,
      );
  });
  const tally = [...outcomes].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  const pass = problems.length === 0;
  return verdict(
    'transfers-terminal',
    pass,
    `${transfers.length} transfers: ${tally || 'none'}` +
      (lateRefunds ? ` (${lateRefunds} late debits refunded)` : '') +
      `; ${sample.length} read back through the API` +
      (pass ? '' : `; ${problems.length} problem(s): ${examples(problems, 3).join('; ')}`),
    { problems: examples(problems, 200) },
  );
}
