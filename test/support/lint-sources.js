// Lints source texts as if they were files of this repository, with its own ESLint
// configuration, and prints the messages as JSON. Input on stdin: [{ filePath, code }], paths
// relative to the repository; argv[2]: the prefix of the rules to run (all when absent).
// A program of its own because ESLint loads eslint.config.mjs with import(), which Jest's
// module system cannot do.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { ESLint } = require('eslint');

const root = join(__dirname, '..', '..');

async function main() {
  const sources = JSON.parse(readFileSync(0, 'utf8'));
  const prefix = process.argv[2] ?? '';
  const eslint = new ESLint({
    cwd: root,
    // The sources are not on disk, so the TypeScript project knows them not: no type
    // information, and only the rules asked for (none of which needs it).
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false, project: null } },
    },
    ruleFilter: ({ ruleId }) => ruleId.startsWith(prefix),
  });
  const results = [];
  for (const { filePath, code } of sources) {
    const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
    results.push(
      result.messages.map(({ ruleId, message, fatal }) => ({ ruleId, message, fatal: !!fatal })),
    );
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
