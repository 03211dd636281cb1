import type { JsonObject } from '@ledgerline/event-sourcing';
import { transferCommandLabel } from '../../src/transfers/process/transfer-process.commands';
import { auditTransfers } from '../../test/support/transfers-audit';
import { CheckContext } from './check-context';
import { examples, Verdict, verdict } from './verdict';

/** Which refusal of a transfer's command leads to which outcome (docs/architecture.md, "Transfers and process managers"). */
const REFUSAL_ENDS_AS: Readonly<Record<string, readonly string[]>> = {
  'TransferStepCommand debit': ['FAILED'],
  'TransferStepCommand credit': ['COMPENSATED', 'COMPLETED'],
  'TransferStepCommand cancel-credit': ['COMPLETED', 'COMPENSATED'],
};

/**
 * The process managers left nothing behind: no command still pending (unsent or unsettled) or
 * parked, every rejected command has its cause recorded and a refusal the process reacts to (a
 * rejected debit ends FAILED, a rejected credit is compensated or lost the race to the credit),
 * no deadline still pending, and every process finished (phase DONE).
 */
export async function checkProcessManagers({ dataSource }: CheckContext): Promise<Verdict> {
  const problems: string[] = [];
  const commands = await dataSource.query<
    { status: string; type: string; n: number; without_cause: number; max_attempts: number }[]
  >(
    `SELECT status, type, count(*)::int AS n, count(*) FILTER (WHERE outcome IS NULL)::int AS without_cause,
            max(attempts)::int AS max_attempts
       FROM es_process_commands GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  for (const row of commands) {
    if (row.status === 'pending') problems.push(`${row.n} ${row.type} command(s) still pending`);
    // Failed on every allowed attempt: its process waits for an operator.
    if (row.status === 'parked') problems.push(`${row.n} ${row.type} command(s) parked`);
    if (row.status === 'rejected' && row.without_cause > 0)
      problems.push(`${row.without_cause} ${row.type} command(s) rejected without a cause`);
  }
  const outcomes = new Map(
    (await auditTransfers(dataSource)).map((transfer) => [transfer.transferId, transfer.outcome]),
  );
  const rejected = await dataSource.query<
    { process_id: string; type: string; data: JsonObject; outcome: string }[]
  >(`SELECT process_id, type, data, outcome FROM es_process_commands WHERE status = 'rejected'`);
  for (const command of rejected) {
    // The steps share a class: what was refused is the step (whichever version stored it).
    const label = transferCommandLabel(command);
    const allowed = REFUSAL_ENDS_AS[label];
    const outcome = outcomes.get(command.process_id) ?? null;
    if (!allowed || !allowed.includes(outcome ?? ''))
      problems.push(
        `${label} of ${command.process_id} rejected (${command.outcome}) but the transfer is ${outcome ?? 'PENDING'}`,
      );
  }
  const [deadlines] = await dataSource.query<{ pending: number }[]>(
    `SELECT count(*)::int AS pending FROM es_process_deadlines WHERE status = 'pending'`,
  );
  if (deadlines.pending > 0) problems.push(`${deadlines.pending} deadline(s) still pending`);
  const [states] = await dataSource.query<{ unfinished: number; total: number }[]>(
    `SELECT count(*) FILTER (WHERE state->>'phase' <> 'DONE')::int AS unfinished, count(*)::int AS total
       FROM es_process_state`,
  );
  if (states.unfinished > 0) problems.push(`${states.unfinished} process(es) not DONE`);
  const tally = commands.map((row) => `${row.n} ${row.type} ${row.status}`).join(', ');
  const pass = problems.length === 0;
  return verdict(
    'process-managers',
    pass,
    `${states.total} processes; commands: ${tally || 'none'}` +
      (pass ? '' : `; ${problems.length} problem(s): ${examples(problems, 3).join('; ')}`),
    { problems: examples(problems, 200), commands },
  );
}
