/**
 * Writes a working bounded context into src/<name>: its decider with given/when/then specs,
 * events, one command and its handler, reads from its stream and from a projection with its
 * migration, a controller with its access policy and OpenAPI documentation, an integration
 * event mapping published through the outbox, its rows of the access matrix and an e2e spec.
 * Then it imports the context's module into the AppModule (the one line outside the folder)
 * and formats what it wrote.
 *
 *   npm run generate -- context <name> [--entity <singular>]
 *   npm run generate -- context loyalty-points            (entity: loyalty-point)
 *   npm run generate -- context inventory --entity stock-item
 *
 * <name> is the context's folder and route, kebab case, plural; the entity is its aggregate
 * (default: <name> without a final "s"). The templates are a context named gift-cards
 * (tools/generator/templates/context), every spelling of that name replaced.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const TEMPLATES = join(__dirname, 'templates', 'context');
const TEMPLATE_NAME = { plural: 'gift-cards', singular: 'gift-card' };
const TEMPLATE_TIMESTAMP = '1765000000000';
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** @param {string} kebab */
const words = (kebab) => kebab.split('-');
/** @param {string} word */
const capital = (word) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * Every spelling a name takes in the templates.
 * @param {string} kebab
 */
function spellings(kebab) {
  const parts = words(kebab);
  return {
    kebab,
    pascal: parts.map(capital).join(''),
    camel: parts[0] + parts.slice(1).map(capital).join(''),
    snake: parts.join('_'),
    constant: parts.join('_').toUpperCase(),
    prose: parts.join(' '),
  };
}

/**
 * The replacements, longest first, so `gift-cards` is replaced before `gift-card`.
 * @param {{ plural: string, singular: string }} from
 * @param {{ plural: string, singular: string }} to
 * @returns {[string, string][]}
 */
function replacements(from, to) {
  const pairs = [];
  for (const form of ['plural', 'singular']) {
    const a = spellings(from[form]);
    const b = spellings(to[form]);
    for (const key of Object.keys(a)) pairs.push([a[key], b[key]]);
  }
  return pairs.sort((x, y) => y[0].length - x[0].length);
}

/**
 * @param {string} text
 * @param {[string, string][]} pairs
 */
const rename = (text, pairs) => pairs.reduce((out, [a, b]) => out.split(a).join(b), text);

/** @param {string} message */
function fail(message) {
  console.error(`generate: ${message}`);
  process.exit(1);
}

/** @param {string[]} args */
function parse(args) {
  const [kind, name, ...rest] = args;
  if (kind !== 'context' || !name)
    fail('usage: npm run generate -- context <name> [--entity <singular>]');
  let entity = name.endsWith('s') ? name.slice(0, -1) : name;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--entity' && rest[i + 1]) entity = rest[++i];
    else fail(`unknown argument ${rest[i]}`);
  }
  for (const value of [name, entity])
    if (!KEBAB.test(value)) fail(`${value}: use kebab case (lower-case words joined by -)`);
  if (entity === name) fail(`the entity must differ from the context's name (--entity)`);
  return { plural: name, singular: entity };
}

/** @param {string} folder @returns {string[]} files under it, relative */
const filesUnder = (folder) =>
  readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath ?? entry.path, entry.name)));

/**
 * Adds `import { <Module> } from './<name>';` and the module to the AppModule's imports,
 * after the last bounded context's.
 * @param {string} modulePath
 * @param {string} moduleClass
 * @param {string} folder
 */
function registerModule(modulePath, moduleClass, folder) {
  const source = readFileSync(modulePath, 'utf8');
  const marker = /^([ \t]*)\/\/ ↑ The bounded contexts\b.*$/m;
  const found = marker.exec(source);
  if (!found) fail(`${relative(ROOT, modulePath)} has no "// ↑ The bounded contexts" marker`);
  const imports = [...source.matchAll(/^import .*;$/gm)];
  const lastImport = imports[imports.length - 1];
  const end = lastImport.index + lastImport[0].length;
  const withImport = `${source.slice(0, end)}\nimport { ${moduleClass} } from './${folder}';${source.slice(end)}`;
  const at = withImport.search(marker);
  writeFileSync(
    modulePath,
    `${withImport.slice(0, at)}${found[1]}${moduleClass},\n${withImport.slice(at)}`,
  );
}

function main() {
  const name = parse(process.argv.slice(2));
  const target = join(ROOT, 'src', name.plural);
  if (existsSync(target)) fail(`src/${name.plural} exists already`);
  const pairs = replacements(TEMPLATE_NAME, name);
  // A migration's timestamp orders it after every migration already written.
  pairs.push([TEMPLATE_TIMESTAMP, String(Date.now())]);
  const written = [];
  for (const file of filesUnder(TEMPLATES)) {
    const path = join(target, rename(file.replace(/\.tpl$/, ''), pairs));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, rename(readFileSync(join(TEMPLATES, file), 'utf8'), pairs));
    written.push(relative(ROOT, path));
  }
  const appModule = join(ROOT, 'src', 'app.module.ts');
  registerModule(appModule, `${spellings(name.plural).pascal}Module`, name.plural);
  // Names of another length wrap lines elsewhere: the project's formatter decides.
  execFileSync(
    process.execPath,
    [
      require.resolve('prettier/bin/prettier.cjs'),
      '--write',
      '--log-level=warn',
      target,
      appModule,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  console.log(`src/${name.plural}: ${written.length} files; src/app.module.ts imports its module.`);
  console.log('Next: npm run typecheck && npm run lint && npm test');
}

main();
