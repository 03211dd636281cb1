import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The README's excerpts are cut from files the test run executes: each `<!-- excerpt: path -->`
 * marker is followed by lines that appear, in that order and together, in that file (each
 * line's indentation aside, since an excerpt may come from inside a block).
 */

const LIBRARY = join(__dirname, '..');
const README = readFileSync(join(LIBRARY, 'README.md'), 'utf8');
const EXCERPT = /<!-- excerpt: (\S+) -->\n+```ts\n([\s\S]*?)\n```/g;

const unindented = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim())
    .join('\n');

describe('the excerpts in the library README', () => {
  const excerpts = [...README.matchAll(EXCERPT)].map(([, path, code]) => ({ path, code }));

  it('show a process-manager specification and a store running the contract suite', () => {
    expect(excerpts.map((excerpt) => excerpt.path)).toEqual([
      'src/testing/given-process.spec.ts',
      'test/in-memory-event-store.contract.spec.ts',
    ]);
  });

  it.each(excerpts)('are cut from $path as it is', ({ path, code }) => {
    expect(unindented(readFileSync(join(LIBRARY, path), 'utf8'))).toContain(unindented(code));
  });
});
