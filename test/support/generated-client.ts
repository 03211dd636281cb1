import { ProcessRun, runProcess } from './child-process-run';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * A client program's folder, as a newcomer's project that generates its API types from the
 * published document: a temporary folder with `"type": "module"`, the repository's
 * node_modules (openapi-typescript, openapi-fetch, @types/node), and the generated types.
 */

const ROOT = join(__dirname, '..', '..');
/** The generator's own command line, as `npx openapi-typescript` runs it. */
const GENERATOR = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

/** Type-checks a client the way a strict, current TypeScript project would. */
const CLIENT_COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitReturns: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  // The generated types are a declaration file: they are checked too.
  skipLibCheck: false,
};

const run = (
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProcessRun> => runProcess(process.execPath, args, options);

export class ClientWorkspace {
  private constructor(readonly folder: string) {}

  static async create(): Promise<ClientWorkspace> {
    const folder = await mkdtemp(join(tmpdir(), 'ledgerline-client-'));
    await symlink(join(ROOT, 'node_modules'), join(folder, 'node_modules'), 'dir');
    await writeFile(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
    return new ClientWorkspace(folder);
  }

  path(file: string): string {
    return join(this.folder, file);
  }

  async write(file: string, text: string): Promise<string> {
    await writeFile(this.path(file), text);
    return this.path(file);
  }

  read(file: string): Promise<string> {
    return readFile(this.path(file), 'utf8');
  }

  /**
   * `openapi-typescript <document> -o <types> --default-non-nullable=false`, the command line
   * docs/api.md gives, on an OpenAPI document (JSON) written to this folder. Throws with the
   * generator's output if it fails.
   */
  async generateTypes(document: object, types: string): Promise<void> {
    const input = await this.write(`${types}.openapi.json`, JSON.stringify(document));
    const command = [GENERATOR, input, '-o', this.path(types), '--default-non-nullable=false'];
    const generated = await run(command, {
      cwd: this.folder,
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      timeoutMs: 60_000,
    });
    if (generated.code !== 0)
      throw new Error(
        `openapi-typescript failed (exit ${generated.code})\n${generated.stdout}\n${generated.stderr}`,
      );
  }

  /** Every diagnostic of a strict type check of these files (with what they import), as text. */
  typeCheck(files: string[]): string[] {
    const program = ts.createProgram(
      files.map((file) => this.path(file)),
      CLIENT_COMPILER_OPTIONS,
    );
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return text;
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const where = diagnostic.file.fileName.replace(`${this.folder}/`, '');
      return `${where}:${line + 1}:${character + 1} ${text}`;
    });
  }

  /** Compiles a TypeScript file of this folder to JavaScript (types erased) and runs it with node. */
  async runProgram(file: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ProcessRun> {
    const { outputText } = ts.transpileModule(await this.read(file), {
      fileName: file,
      // An ES module, as the folder's package.json declares.
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 },
    });
    const compiled = await this.write(file.replace(/\.ts$/, '.js'), outputText);
    return run([compiled], {
      cwd: this.folder,
      env: { PATH: process.env.PATH, ...env },
      timeoutMs,
    });
  }

  remove(): Promise<void> {
    return rm(this.folder, { recursive: true, force: true });
  }
}
