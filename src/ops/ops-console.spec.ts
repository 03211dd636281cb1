import { Script } from 'node:vm';
import { CONSOLE_PAGE } from './public/console-page';
import { CONSOLE_SCRIPT } from './public/console-script';

/*
 * The console's assets are strings the compiler cannot check: the script must at least parse,
 * and the page must keep within the Content-Security-Policy (scripts from this origin only, no
 * inline script, no inline event handlers).
 */
describe('the operations console assets', () => {
  it('the script parses as JavaScript', () => {
    // Compiled, never run: a syntax error throws here.
    expect(() => new Script(CONSOLE_SCRIPT, { filename: 'console.js' })).not.toThrow();
  });

  it('the page loads its script and styles from this origin, with nothing inline', () => {
    const scripts = [...CONSOLE_PAGE.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes, body]) => [attributes.trim(), body.trim()])).toEqual([
      ['src="/ops/console.js" defer', ''],
    ]);
    expect(CONSOLE_PAGE).toContain('<link rel="stylesheet" href="/ops/console.css" />');
    expect(CONSOLE_PAGE).not.toMatch(/\son[a-z]+\s*=/i);
    expect(CONSOLE_PAGE).not.toMatch(/\sstyle\s*=/i);
    expect(CONSOLE_PAGE).not.toMatch(/https?:\/\//);
  });

  it('the script calls this server only, never evaluates strings, and writes no HTML', () => {
    expect(CONSOLE_SCRIPT).not.toMatch(/https?:\/\//);
    expect(CONSOLE_SCRIPT).not.toMatch(
      /\beval\(|new Function|innerHTML|outerHTML|insertAdjacentHTML/,
    );
  });
});
