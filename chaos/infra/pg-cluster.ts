import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, QueryResultRow } from 'pg';
import { freePort } from '../../bench/http/start-server';
import { now, waitFor } from '../support/clock';
import { exec, execAsPostgres, postgresCommand, runningAsRoot } from '../support/exec';

const DATABASE = 'chaos';
/** Not `ledgerline…`: pg-terminate ends the app's sessions by that prefix, never ours. */
export const CHECKER_APPLICATION_NAME = 'chaos-checker';

/** The newest installed PostgreSQL's programs (Debian keeps them off PATH). */
function postgresBinDir(): string {
  const fromEnv = process.env.CHAOS_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}; set CHAOS_PG_BIN`);
  return join(root, versions[0], 'bin');
}

/**
 * A PostgreSQL cluster of the run's own (initdb into a temp dir, a free port, its socket in
 * that dir), so restarts and crashes never touch the shared server. `destroy` stops it and
 * removes the directory.
 */
export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${DATABASE}`;
  }

  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private get serverOptions(): string {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
  }

  static async create(): Promise<PgCluster> {
    const bin = postgresBinDir();
    const dir = await mkdtemp(join(tmpdir(), 'ledgerline-chaos-pg-'));
    if (runningAsRoot()) {
      const uid = Number((await exec('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await exec('id', ['-g', 'postgres'])).stdout.trim());
      await chown(dir, uid, gid);
    }
    const cluster = new PgCluster(dir, await freePort(), bin);
    try {
      await execAsPostgres(join(bin, 'initdb'), [
        '-D',
        cluster.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        // Nothing to keep if the machine dies mid-run: skip initdb's fsyncs.
        '--no-sync',
      ]);
      await cluster.start();
      await cluster.withClient('postgres', (client) => client.query(`CREATE DATABASE ${DATABASE}`));
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  private pgCtl(args: readonly string[]): Promise<unknown> {
    return execAsPostgres(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, ...args], 90_000);
  }

  start(): Promise<unknown> {
    // -o on every start: without it pg_ctl would start on the default port, the shared server's.
    return this.pgCtl(['-o', this.serverOptions, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  stop(mode: 'fast' | 'immediate'): Promise<unknown> {
    return this.pgCtl(['-m', mode, '-w', '-t', '60', 'stop']);
  }

  async isRunning(): Promise<boolean> {
    return this.pgCtl(['status']).then(
      () => true,
      () => false,
    );
  }

  /** Resolves with the moment a session could be opened again, or undefined on timeout. */
  async waitConnectable(timeoutMs: number): Promise<number | undefined> {
    let at: number | undefined;
    await waitFor(
      async () => {
        await this.query('SELECT 1');
        at = now();
        return true;
      },
      timeoutMs,
      25,
    );
    return at;
  }

  /** One statement on a short-lived session: it survives the restarts the run causes. */
  query<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.withClient(DATABASE, async (client) => (await client.query<T>(sql, params)).rows);
  }

  private async withClient<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({
      host: '127.0.0.1',
      port: this.port,
      user: 'postgres',
      database,
      application_name: CHECKER_APPLICATION_NAME,
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined); // a restart mid-query surfaces as the query's rejection
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Stops the server however it is (immediate: nothing is kept) and removes the directory. */
  async destroy(): Promise<void> {
    if (await this.isRunning()) await this.stop('immediate');
    await rm(this.dir, { recursive: true, force: true });
  }

  /** For `process.on('exit')`: synchronous, best effort. */
  destroySync(): void {
    const [program, args] = postgresCommand(join(this.bin, 'pg_ctl'), [
      '-D',
      this.dataDir,
      '-m',
      'immediate',
      'stop',
    ]);
    try {
      execFileSync(program, args, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Already stopped.
    }
    execFileSync('rm', ['-rf', this.dir]);
  }
}
