/**
 * What authenticating a request costs, two ways, each against a baseline measured in the same
 * run (alternating order, medians of RUNS rounds):
 *
 * 1. In this process: `TokenVerifier.verify` (src/auth/token-verifier.ts, the app's own, built
 *    with `TokenVerifier.create` on the settings the app parses) of a teller's ES256 token of
 *    the local issuer, vs the bare ECDSA P-256 signature check of the same token with
 *    node:crypto (asynchronous, on the libuv pool, as WebCrypto's is): the part no verifier
 *    can skip. The difference is jose's parsing, header and claim checks and the principal.
 *    With 1 call in flight (wall µs: the latency a request pays) and with 32 (wall µs per call:
 *    1 / throughput, as under load); CPU µs per call of the whole process (pool threads too).
 * 2. Over HTTP, the built app (dist/src/main.js, as production starts it, on a fresh schema of
 *    BENCH_URL, LOG_LEVELS=error) under autocannon: GET /health/live (public: the guard returns
 *    before looking at a token) vs GET /admin/runtime with an admin's token (authenticated:
 *    token verified, rate limiter counted, roles checked). Neither touches the database; both
 *    answer a small JSON object. The authenticated handler also calls process.memoryUsage()
 *    (its cost is measured in step 1 and printed beside). Both routes get the same
 *    Authorization headers, the tokens of 512 admins in turn (support/bench-auth.ts: so the rate
 *    limiter's per-principal log stays as short as the default limit keeps it in production),
 *    and the bytes on the wire match. Reported: 2xx req/s, p50/p99 (ms), the app's CPU µs per
 *    request (/proc), and the ratios authenticated ÷ public.
 *
 * The app runs with authentication on (the local issuer, a key file of the benchmark's own)
 * and rate limits beyond reach. Correctness only is asserted: every verification returns the
 * token's principal, every raw check passes, every HTTP answer is 2xx. No timing is asserted.
 *
 *   npm run bench -- auth-cost
 *   BENCH_AUTH_CALLS=10000 (per variant and round), BENCH_AUTH_HTTP_SECONDS=5,
 *   BENCH_AUTH_HTTP_CONNECTIONS=16, RUNS=5 (in-process rounds; HTTP: 3) by default.
 */
import 'reflect-metadata';
import { createPublicKey, randomBytes, verify, type JsonWebKey } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TokenVerifier } from '../src/auth/token-verifier';
import { CallTiming, timeCalls, timeSyncCalls } from './auth/call-timing';
import { loadRoute, RouteLoad } from './auth/route-load';
import { snapshotUsage, usageBetween } from './http/proc-usage';
import { startServer } from './http/start-server';
import { openBenchAuth } from './support/bench-auth';
import { BENCH_URL, median } from './support/bench-database';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';

const CALLS = positiveInteger('BENCH_AUTH_CALLS', 10_000);
const ROUNDS = positiveInteger('RUNS', 5);
const HTTP_ROUNDS = Math.min(ROUNDS, 3);
const HTTP_SECONDS = positiveInteger('BENCH_AUTH_HTTP_SECONDS', 5);
const HTTP_WARM_UP_SECONDS = 1;
const CONNECTIONS = positiveInteger('BENCH_AUTH_HTTP_CONNECTIONS', 16);
const IN_FLIGHT = [1, 32] as const;
const MAIN = join(__dirname, '..', 'src', 'main.js');

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Medians per variant of timings taken over rounds. */
class Medians<Key extends string> {
  private readonly samples = new Map<Key, CallTiming[]>();

  add(key: Key, timing: CallTiming): void {
    const list = this.samples.get(key) ?? [];
    list.push(timing);
    this.samples.set(key, list);
  }

  get(key: Key): CallTiming {
    const list = this.samples.get(key) ?? [];
    return {
      wallUs: median(list.map((timing) => timing.wallUs)),
      cpuUs: median(list.map((timing) => timing.cpuUs)),
    };
  }
}

type CallVariant = `${'verify' | 'ecdsa'}@${(typeof IN_FLIGHT)[number]}`;

async function inProcess(auth: Awaited<ReturnType<typeof openBenchAuth>>): Promise<number> {
  const verifier = await TokenVerifier.create(auth.settings);
  const token = await auth.mint('bench-teller', ['teller']);
  const [header, payload, signature] = token.split('.');
  const signed = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, 'base64url');
  const publicKey = createPublicKey({ key: auth.key.publicJwk as JsonWebKey, format: 'jwk' });

  const verifyOnce = async () => {
    const principal = await verifier.verify(token);
    if (principal.subject !== 'bench-teller' || !principal.roles.has('teller'))
      throw new Error(`the verifier returned ${JSON.stringify(principal)}`);
  };
  const ecdsaOnce = () =>
    new Promise<void>((resolve, reject) =>
      verify(
        'sha256',
        signed,
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        signatureBytes,
        (error, ok) => {
          if (error) reject(error);
          else if (!ok) reject(new Error('the raw ECDSA check refused the token'));
          else resolve();
        },
      ),
    );
  const variants: readonly [CallVariant, () => Promise<void>, number][] = IN_FLIGHT.flatMap(
    (inFlight) => [
      [`verify@${inFlight}`, verifyOnce, inFlight] as [CallVariant, () => Promise<void>, number],
      [`ecdsa@${inFlight}`, ecdsaOnce, inFlight] as [CallVariant, () => Promise<void>, number],
    ],
  );

  // Warm-up (not counted): JIT, jose's imported-key cache, the pool threads.
  for (const [, call, inFlight] of variants) await timeCalls(Math.ceil(CALLS / 5), inFlight, call);
  const medians = new Medians<CallVariant | 'memoryUsage'>();
  for (let run = 1; run <= ROUNDS; run++) {
    const order = run % 2 === 1 ? variants : [...variants].reverse();
    for (const [key, call, inFlight] of order)
      medians.add(key, await timeCalls(CALLS, inFlight, call));
    medians.add(
      'memoryUsage',
      timeSyncCalls(CALLS, () => process.memoryUsage()),
    );
  }

  console.log(
    `\nIn this process: µs per call, median of ${ROUNDS} rounds of ${CALLS} calls per variant ` +
      `(after a warm-up); ES256 token of ${token.length} characters:`,
  );
  console.table(
    IN_FLIGHT.flatMap((inFlight) =>
      (['verify', 'ecdsa'] as const).map((what) => {
        const timing = medians.get(`${what}@${inFlight}`);
        return {
          variant:
            what === 'verify'
              ? 'TokenVerifier.verify (the app)'
              : 'ECDSA P-256 check only (node:crypto)',
          'in flight': inFlight,
          'wall µs/call': round(timing.wallUs),
          'CPU µs/call': round(timing.cpuUs),
        };
      }),
    ),
  );
  for (const inFlight of IN_FLIGHT) {
    const app = medians.get(`verify@${inFlight}`);
    const raw = medians.get(`ecdsa@${inFlight}`);
    console.log(
      `${inFlight} in flight: TokenVerifier.verify ÷ bare signature check: wall x${(app.wallUs / raw.wallUs).toFixed(2)}, ` +
        `CPU x${(app.cpuUs / raw.cpuUs).toFixed(2)} (+${round(app.cpuUs - raw.cpuUs)} µs of CPU per call)`,
    );
  }
  const memory = medians.get('memoryUsage');
  console.log(
    `process.memoryUsage() (the extra work of GET /admin/runtime's handler): ${round(memory.wallUs)} µs per call`,
  );
  return memory.wallUs;
}

type Route = 'public' | 'authenticated';
const ROUTES: readonly { key: Route; label: string; path: string }[] = [
  { key: 'public', label: 'GET /health/live (public)', path: '/health/live' },
  { key: 'authenticated', label: 'GET /admin/runtime (admin token)', path: '/admin/runtime' },
];

interface RouteRun {
  readonly load: RouteLoad;
  /** The app's CPU in µs per answered request. */
  readonly cpuUsPerRequest: number;
  readonly cpuPercent: number;
}

async function overHttp(
  auth: Awaited<ReturnType<typeof openBenchAuth>>,
  schema: string,
  memoryUsageUs: number,
  opened: (() => Promise<unknown>)[],
): Promise<string[]> {
  const failures: string[] = [];
  const server = await startServer({
    name: 'app',
    script: MAIN,
    readyPath: '/health',
    env: {
      PATH: process.env.PATH ?? '',
      NO_COLOR: '1',
      DATABASE_URL: BENCH_URL,
      DATABASE_SCHEMA: schema,
      LOG_LEVELS: 'error',
      ...auth.env,
    },
  });
  opened.push(() => server.stop());
  const admins = await auth.principals('admin');
  const runs = new Map<Route, RouteRun[]>(ROUTES.map((route) => [route.key, []]));
  console.log(
    `\nOver HTTP: the app on ${server.baseUrl}, ${CONNECTIONS} connections, ${HTTP_WARM_UP_SECONDS} s ` +
      `warm-up + ${HTTP_SECONDS} s per route and round, ${HTTP_ROUNDS} rounds in alternating order`,
  );
  for (let run = 1; run <= HTTP_ROUNDS; run++) {
    const order = run % 2 === 1 ? ROUTES : [...ROUTES].reverse();
    const line: string[] = [];
    for (const route of order) {
      const options = {
        baseUrl: server.baseUrl,
        path: route.path,
        headers: admins,
        connections: CONNECTIONS,
      };
      const warmUp = await loadRoute({ ...options, seconds: HTTP_WARM_UP_SECONDS });
      const before = snapshotUsage({ app: server.pid });
      const load = await loadRoute({ ...options, seconds: HTTP_SECONDS });
      const usage = usageBetween(before, snapshotUsage({ app: server.pid }));
      for (const [phase, result] of [
        ['warm-up', warmUp],
        ['run', load],
      ] as const) {
        if (result.failed > 0)
          failures.push(
            `${route.key} run ${run} ${phase}: ${result.failed} failed; first: ${result.firstFailure ?? '-'}`,
          );
      }
      const cpuPercent = usage.percent.app;
      // % of one core ÷ requests per second = CPU seconds per request (×10^4 for µs).
      runs.get(route.key)!.push({
        load,
        cpuPercent,
        cpuUsPerRequest: (10_000 * cpuPercent) / load.okPerSecond,
      });
      line.push(`${route.key} ${Math.round(load.okPerSecond)} req/s p99 ${load.p99Ms} ms`);
    }
    console.log(`round ${run}: ${line.join(', ')}`);
  }
  const medianOf = (route: Route, pick: (r: RouteRun) => number) =>
    median(runs.get(route)!.map(pick));
  console.log(
    `\nMedians of ${HTTP_ROUNDS} rounds (app CPU from /proc, % of one core of ${cpus().length}):`,
  );
  console.table(
    ROUTES.map((route) => ({
      route: route.label,
      'req/s': Math.round(medianOf(route.key, (r) => r.load.okPerSecond)),
      'p50 ms': medianOf(route.key, (r) => r.load.p50Ms),
      'p99 ms': medianOf(route.key, (r) => r.load.p99Ms),
      'app CPU %': Math.round(medianOf(route.key, (r) => r.cpuPercent)),
      'app CPU µs/req': round(medianOf(route.key, (r) => r.cpuUsPerRequest)),
    })),
  );
  const rate = (route: Route) => medianOf(route, (r) => r.load.okPerSecond);
  const cpu = (route: Route) => medianOf(route, (r) => r.cpuUsPerRequest);
  const p99 = (route: Route) => medianOf(route, (r) => r.load.p99Ms);
  console.log(
    `authenticated ÷ public: req/s x${(rate('authenticated') / rate('public')).toFixed(2)}, ` +
      `p99 x${(p99('authenticated') / p99('public')).toFixed(2)}, app CPU per request ` +
      `x${(cpu('authenticated') / cpu('public')).toFixed(2)} ` +
      `(+${round(cpu('authenticated') - cpu('public'))} µs: verification, rate limiting, the role ` +
      `check, and ${round(memoryUsageUs)} µs of process.memoryUsage())`,
  );
  return failures;
}

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const auth = await openBenchAuth();
    opened.push(() => auth.remove());
    const memoryUsageUs = await inProcess(auth);

    const admin = new Client({ connectionString: BENCH_URL });
    await admin.connect();
    opened.push(() => admin.end());
    const schema = `bench_auth_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    opened.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
    const failures = await overHttp(auth, schema, memoryUsageUs, opened);
    if (failures.length > 0) throw new Error(`INVALID RUN:\n  ${failures.join('\n  ')}`);
  } finally {
    await cleanUp(opened);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
