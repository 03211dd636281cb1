import {
  AccountAudit,
  auditAccounts,
  auditTransfers,
  expectedBalances,
} from '../../test/support/transfers-audit';
import { isRecord } from '../infra/admin-api';
import { eachLimited } from '../support/each-limited';
import { appliedOperations } from './applied-operations';
import { CheckContext } from './check-context';
import { examples, Verdict, verdict } from './verdict';

const MAX_PARALLEL_READS = 8;

/**
 * Money is conserved, seen four ways:
 * - per account, the balance folded from its stream (by the checker, and again by the SQL
 *   audit of test/support) equals its external deposits minus withdrawals plus the effects of
 *   its COMPLETED transfers only (failed and compensated ones must net to zero);
 * - over all accounts, the balances sum to the amounts the clients sent in the deposits and
 *   withdrawals that were applied (acknowledged, or indefinite and found in the log);
 * - the API's GET /accounts/{id} reports the folded balance and version;
 * - each acknowledged deposit or withdrawal answered the balance the log holds at the version
 *   it answered (a lost update shows here).
 */
export async function checkMoney(context: CheckContext): Promise<Verdict> {
  const { history, log, ledgers, dataSource } = context;
  const problems: string[] = [];
  const audits = await auditAccounts(dataSource);
  const transfers = await auditTransfers(dataSource);
  // expectedBalances adds COMPLETED transfers to each account's external money; here that is
  // deposits net of withdrawals (the tests it was written for only deposit).
  const external: AccountAudit[] = audits.map((audit) => {
    const ledger = ledgers.get(audit.accountId);
    return { ...audit, deposited: ledger ? ledger.deposited - ledger.withdrawn : NaN };
  });
  const expected = expectedBalances(external, transfers);
  for (const audit of audits) {
    const ledger = ledgers.get(audit.accountId);
    if (!ledger || ledger.balance !== audit.balance)
      problems.push(
        `account ${audit.accountId}: SQL fold ${audit.balance}, checker fold ${ledger?.balance}`,
      );
    if (expected.get(audit.accountId) !== audit.balance)
      problems.push(
        `account ${audit.accountId}: balance ${audit.balance}, deposits − withdrawals ± completed transfers = ${expected.get(audit.accountId)}`,
      );
  }

  const applied = appliedOperations(history.operations, log);
  let sent = 0;
  for (const [operation, event] of applied) {
    const amount = Number(operation.body?.amount);
    if (operation.kind === 'deposit') sent += amount;
    if (operation.kind === 'withdraw') sent -= amount;
    if (
      (operation.kind === 'deposit' || operation.kind === 'withdraw') &&
      event.data.amount !== amount
    )
      problems.push(`${operation.key}: sent ${amount}, logged ${String(event.data.amount)}`);
  }
  const total = [...ledgers.values()].reduce((sum, ledger) => sum + ledger.balance, 0);
  if (total !== sent)
    problems.push(`all balances sum to ${total}, applied deposits − withdrawals = ${sent}`);

  let answersChecked = 0;
  for (const [operation, event] of applied) {
    if (operation.outcome !== 'acknowledged') continue;
    if (operation.kind !== 'deposit' && operation.kind !== 'withdraw') continue;
    const body = operation.answer?.body;
    if (!isRecord(body) || typeof body.version !== 'number' || typeof body.balance !== 'number')
      continue;
    answersChecked++;
    const ledger = ledgers.get(operation.subject ?? '');
    const logged = ledger?.balanceAt[body.version];
    if (event.version !== body.version || logged !== body.balance)
      problems.push(
        `${operation.key}: answered balance ${body.balance} at version ${body.version}; the log has ` +
          `its event at version ${event.version} and balance ${logged} at ${body.version}`,
      );
  }

  let apiChecked = 0;
  await eachLimited([...ledgers.values()], MAX_PARALLEL_READS, async (ledger) => {
    const body = await context.get(`/accounts/${ledger.accountId}`);
    apiChecked++;
    if (!isRecord(body)) {
      problems.push(`GET /accounts/${ledger.accountId} did not answer`);
      return;
    }
    const status = ledger.closed ? 'CLOSED' : 'OPEN';
    if (
      body.balance !== ledger.balance ||
      body.version !== ledger.version ||
      body.status !== status
    )
      problems.push(
        `GET /accounts/${ledger.accountId}: ${String(body.balance)} v${String(body.version)} ${String(body.status)}, ` +
          `the log folds to ${ledger.balance} v${ledger.version} ${status}`,
      );
  });

  const pass = problems.length === 0;
  return verdict(
    'money-conserved',
    pass,
    `${ledgers.size} accounts hold ${total}; applied deposits − withdrawals ${sent}; ` +
      `${answersChecked} answered balances and ${apiChecked} API balances compared` +
      (pass ? '' : `; ${problems.length} problem(s): ${examples(problems, 3).join('; ')}`),
    { problems: examples(problems, 200) },
  );
}

/** No account's running balance ever went below zero (the SQL audit's lowest point). */
export async function checkNoNegativeBalance(context: CheckContext): Promise<Verdict> {
  const audits = await auditAccounts(context.dataSource);
  const negative = audits.filter((audit) => audit.lowest < 0);
  const described = negative.map((audit) => {
    const at = context.ledgers.get(audit.accountId)?.lowestAt;
    return `account ${audit.accountId} reached ${audit.lowest} at version ${at}`;
  });
  return verdict(
    'no-negative-balance',
    negative.length === 0,
    `${negative.length} of ${audits.length} accounts went below zero` +
      (negative.length ? `: ${examples(described, 3).join('; ')}` : ''),
    { negative: described },
  );
}
