import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The README's examples are the example files themselves, which the type check compiles and
 * the test run executes: each `<!-- example: path -->` marker is followed by that file's
 * exact text, so the README cannot drift from code that works.
 */

const LIBRARY = join(__dirname, '..');
const README = readFileSync(join(LIBRARY, 'README.md'), 'utf8');
const EXAMPLE = /<!-- example: (\S+) -->\n+```ts\n([\s\S]*?)\n```/g;

describe('the library README', () => {
  const examples = [...README.matchAll(EXAMPLE)].map(([, path, code]) => ({ path, code }));

  it('shows a decider, its specification and an append against PostgreSQL', () => {
    expect(examples.map((example) => example.path)).toEqual([
      'examples/wallet.decider.ts',
      'examples/wallet.decider.spec.ts',
      'examples/withdraw-on-postgres.ts',
    ]);
  });

  it.each(examples)('shows $path exactly as it is', ({ path, code }) => {
    expect(code).toBe(readFileSync(join(LIBRARY, path), 'utf8').trimEnd());
  });
});
