import { randomBytes } from 'node:crypto';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatVerdict } from './checks/verdict';
import { runChaos } from './run/chaos-run';
import { RunOptions } from './run/run-options';
import { CleanupScope } from './support/cleanup-scope';

/**
 * The guarantee the self-test breaks: the optimistic expected-version check of the append.
 * With `ELSE true` an append decided on version n still commits when another instance has
 * committed n+1 meanwhile (it lands at n+2: the insert takes the current version), so two
 * withdrawals decided on the same balance both commit. Every append (group commit,
 * multi-stream, in a caller's transaction) runs the one statement mutated. Exact strings: a
 * refactor that changes them makes the self-test fail loudly instead of testing nothing.
 */
export const MUTATIONS = [
  {
    file: 'libs/event-sourcing/src/postgres/sql/append.sql.js',
    from: 'ELSE g.current_version = g.expected_version',
    to: 'ELSE true',
  },
] as const;

const CAUGHT_BY = ['money-conserved', 'no-negative-balance'];

async function mutate(dist: string): Promise<void> {
  for (const mutation of MUTATIONS) {
    const path = join(dist, mutation.file);
    const source = await readFile(path, 'utf8');
    const at = source.indexOf(mutation.from);
    if (at < 0 || source.indexOf(mutation.from, at + 1) >= 0)
      throw new Error(`self-test mutation: "${mutation.from}" is not in ${path} exactly once`);
    await writeFile(path, source.replace(mutation.from, mutation.to));
    console.log(`mutated ${mutation.file}: "${mutation.from}" -> "${mutation.to}"`);
  }
}

/**
 * Copies dist/ (inside the repository, so the copy still finds node_modules), breaks one
 * guarantee in the compiled JS, runs the checker for about a minute without faults against
 * the broken build, and passes only if money conservation or the negative-balance property
 * fails. A checker that passes a broken app is worthless.
 */
export async function runSelfTest(
  base: RunOptions,
  distDir: string,
  scope: CleanupScope,
): Promise<boolean> {
  const copy = join(base.outRoot, `self-test-${randomBytes(3).toString('hex')}`);
  scope.add(() => rm(copy, { recursive: true, force: true }));
  await cp(distDir, join(copy, 'dist'), { recursive: true });
  await mutate(join(copy, 'dist'));
  const outcome = await runChaos(
    {
      ...base,
      label: 'self-test',
      minutes: 1,
      faults: [],
      appMain: join(copy, 'dist', 'src', 'main.js'),
    },
    scope,
  );
  const caught = outcome.verdicts.filter(
    (v) => CAUGHT_BY.includes(v.property) && v.status === 'FAIL',
  );
  console.log('');
  if (caught.length) {
    console.log('SELF-TEST PASS: the checker caught the broken expected-version check:');
    caught.forEach((v) => console.log(`  ${formatVerdict(v)}`));
  } else {
    console.log(
      `SELF-TEST FAIL: ${CAUGHT_BY.join(' and ')} passed against a build without the expected-version check`,
    );
  }
  return caught.length > 0;
}
