import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadAppConfig } from '../src/config/app-config';

/**
 * The deployment files (Dockerfile, compose.yaml, the Grafana provisioning) checked against
 * the code and the documentation, since nothing else runs them here: Docker is not needed by the
 * tests.
 */

const ROOT = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: unknown;
  readonly environment?: Record<string, string | number | boolean | null> | string[];
  readonly volumes?: string[];
  readonly ports?: string[];
  readonly stop_grace_period?: string;
}

interface Compose {
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

// Compose merges `<<: *anchor` keys (YAML 1.1), which the instances' shared settings use.
const compose = parse(read('compose.yaml'), { merge: true }) as Compose;
const IMAGE = 'ledgerline:local';

/** Services running the app's image; those without a command are app instances. */
const ledgerlineServices = Object.entries(compose.services).filter(
  ([, service]) => service.image === IMAGE,
);
const instances = ledgerlineServices.filter(([, service]) => service.command === undefined);

function environment(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value)]);
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Every variable the configuration reads, seen by handing loadAppConfig an environment that
 * notes each lookup: nothing to keep in step by hand. Twice, because a configured OIDC issuer
 * takes a branch of its own.
 */
function variablesTheAppReads(): Set<string> {
  const names = new Set<string>();
  const noting = (values: Record<string, string>): NodeJS.ProcessEnv =>
    new Proxy(values, {
      get(target, name) {
        if (typeof name !== 'string') return undefined;
        names.add(name);
        return target[name];
      },
    });
  loadAppConfig(noting({}));
  loadAppConfig(
    noting({ AUTH_JWKS_URL: 'https://issuer.example/jwks', AUTH_ISSUER: 'https://issuer.example' }),
  );
  return names;
}

/** The variables named in the first column of the configuration table (docs/configuration.md). */
function documentedVariables(): Set<string> {
  const configuration = read('docs/configuration.md');
  const start = configuration.indexOf('\n## Environment variables');
  if (start === -1) throw new Error('docs/configuration.md has no "Environment variables" section');
  const end = configuration.indexOf('\n## ', start + 1);
  const section = configuration.slice(start, end === -1 ? undefined : end);
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1]));
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Compose durations as used here: `30s`, `1m30s`, `500ms`. */
function milliseconds(duration: string): number {
  let total = 0;
  for (const [, value, unit] of duration.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(value) * UNIT_MS[unit];
  return total;
}

/** Dockerfile instructions (continuations joined, comments dropped), grouped by stage. */
function dockerfileStages(): { from: string; instructions: [string, string][] }[] {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: { from: string; instructions: [string, string][] }[] = [];
  for (const line of lines) {
    const [, keyword, rest] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (keyword.toUpperCase() === 'FROM') stages.push({ from: rest, instructions: [] });
    else stages.at(-1)?.instructions.push([keyword.toUpperCase(), rest]);
  }
  return stages;
}

describe('compose.yaml', () => {
  it('runs two app instances, each on a port of its own', () => {
    expect(instances.map(([name]) => name)).toHaveLength(2);
    const hostPorts = instances.flatMap(([, service]) =>
      (service.ports ?? []).map((port) => port.split(':')[0]),
    );
    expect(new Set(hostPorts).size).toBe(2);
  });

  it('sets only variables the app reads, each documented in the configuration table', () => {
    const understood = variablesTheAppReads();
    const documented = documentedVariables();
    for (const [name, service] of ledgerlineServices) {
      const set = Object.keys(environment(service));
      expect({
        service: name,
        unread: set.filter((variable) => !understood.has(variable)),
      }).toEqual({
        service: name,
        unread: [],
      });
      expect({
        service: name,
        undocumented: set.filter((variable) => !documented.has(variable)),
      }).toEqual({ service: name, undocumented: [] });
    }
  });

  it('gives every instance the same local issuer key on a shared volume, never under NODE_ENV=production', () => {
    const keyFiles = new Set<string>();
    for (const [, service] of instances) {
      const env = environment(service);
      if (env.AUTH_JWKS_URL) continue;
      expect(env.NODE_ENV).not.toBe('production');
      keyFiles.add(env.AUTH_LOCAL_KEY_FILE);
      const folder = env.AUTH_LOCAL_KEY_FILE.slice(0, env.AUTH_LOCAL_KEY_FILE.lastIndexOf('/'));
      const mount = (service.volumes ?? []).find((volume) => volume.split(':')[1] === folder);
      expect(mount).toBeDefined();
      // A named volume (not a path on the host), declared at the top level.
      expect(Object.keys(compose.volumes ?? {})).toContain(mount!.split(':')[0]);
    }
    expect(keyFiles.size).toBeLessThanOrEqual(1);
  });

  it('lets `docker compose stop` wait for the drain: stop_grace_period beyond SHUTDOWN_GRACE_MS', () => {
    for (const [, service] of instances) {
      const graceMs = loadAppConfig(environment(service)).shutdownGraceMs;
      expect(milliseconds(service.stop_grace_period ?? '10s')).toBeGreaterThan(graceMs + 5_000);
    }
  });

  it('mounts files of the repository that exist', () => {
    const mounted = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0])
      .filter((source) => source.startsWith('./'));
    expect(mounted).toEqual(
      expect.arrayContaining([
        './ops/prometheus/prometheus.yml',
        './ops/prometheus/alerts.yml',
        './ops/grafana/ledgerline-dashboard.json',
        './ops/grafana/provisioning',
      ]),
    );
    expect(mounted.filter((source) => !existsSync(join(ROOT, source)))).toEqual([]);
  });

  it('has Prometheus scrape every instance, with the token file it mounts', () => {
    const prometheus = parse(read('ops/prometheus/prometheus.yml')) as {
      scrape_configs: {
        static_configs?: { targets: string[] }[];
        authorization?: { credentials_file?: string };
      }[];
    };
    const targets = prometheus.scrape_configs.flatMap((job) =>
      (job.static_configs ?? []).flatMap((config) => config.targets),
    );
    expect(targets.sort()).toEqual(instances.map(([name]) => `${name}:3000`).sort());
    const mounts = (compose.services.prometheus.volumes ?? []).map(
      (volume) => volume.split(':')[1],
    );
    for (const job of prometheus.scrape_configs) {
      const file = job.authorization?.credentials_file;
      if (file) expect(mounts).toContain(file.slice(0, file.lastIndexOf('/')));
    }
  });

  it("provisions Grafana with the stack's Prometheus", () => {
    const datasources = parse(read('ops/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string }[];
    };
    const url = new URL(datasources.datasources[0].url);
    expect(datasources.datasources[0].type).toBe('prometheus');
    expect(Object.keys(compose.services)).toContain(url.hostname);
    expect(url.port).toBe('9090');
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1)!;
  const instruction = (keyword: string) =>
    runtime.instructions.filter(([name]) => name === keyword).map(([, rest]) => rest);

  it('builds in one stage and runs a Node 20 image with production dependencies and dist/ only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:20[.-]/m);
    expect(instruction('RUN').some((run) => /npm ci --omit=dev/.test(run))).toBe(true);
    expect(instruction('COPY').filter((copy) => copy.startsWith('--from='))).toEqual([
      '--from=build /app/dist ./dist',
    ]);
  });

  it('runs as a user other than root', () => {
    const users = instruction('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('checks liveness (/health/live), not readiness', () => {
    const [healthcheck] = instruction('HEALTHCHECK');
    expect(healthcheck).toMatch(/\/health\/live\b/);
    expect(healthcheck).not.toMatch(/\/health\/ready/);
  });

  it('starts node itself as PID 1, so SIGTERM reaches the app', () => {
    expect(JSON.parse(instruction('CMD').at(-1)!)).toEqual(['node', 'dist/src/main.js']);
  });

  it('keeps local state and dependencies out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data', '.git']));
  });
});
