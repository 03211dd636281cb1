import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian's `chromium` (what CI installs) or another distribution's `chromium-browser`. */
export function findChromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    for (const directory of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(directory, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this directory
      }
    }
  }
  throw new Error(
    'no chromium or chromium-browser on PATH: the browser checks need a real browser ' +
      '(Debian: apt-get install -y chromium; .ci/run installs it)',
  );
}
