/**
 * What logging, metrics and tracing cost a deposit through the whole app, each on vs off.
 *
 * The built app (dist/src/main.js, as production starts it: authentication on, the tokens of
 * 512 tellers in turn as support/bench-auth.ts gives them, rate limits beyond reach;
 * projections, outbox relay and process managers running, no AMQP_URL), one process per
 * variant, all alive for the whole run, each on a fresh schema of BENCH_URL of its own and
 * writing to a telemetry sink of its own. Each is seeded through the API with
 * BENCH_OBS_ACCOUNTS accounts, settled by a BENCH_OBS_SETTLE_SECONDS load of deposits (and
 * BENCH_OBS_WARMUP_SECONDS loads until every account has had a deposit in that process),
 * drained and vacuumed. Then RUNS cycles: in each, every variant's process in turn (in
 * alternating order) gets a measured window of load while the others idle, and is drained
 * before the next window. Each window is compared with its own cycle's baseline window, taken
 * seconds apart on a process as warm: on a machine whose speed drifts by ±20 % over minutes,
 * a fresh process per variant measured minutes apart compared the drift as much as the
 * switches. The variants:
 *   - baseline: LOG_LEVEL=fatal (the quietest level: no access line is written), METRICS=off,
 *     no OTEL_EXPORTER_OTLP_ENDPOINT;
 *   - logging: LOG_LEVEL=info, LOG_FORMAT=json (one access line per request);
 *   - metrics: METRICS=on (the HTTP histogram middleware, the command and append observers,
 *     GET /metrics), scraped once a second with an auditor's token, as Prometheus would;
 *   - tracing: OTEL_EXPORTER_OTLP_ENDPOINT set (the SDK, the app's own server spans, the
 *     amqplib instrumentation, batch export over OTLP http/protobuf, default sampler: every
 *     trace);
 *   - all: the three together.
 * Load: autocannon in this process, BENCH_OBS_CONNECTIONS keep-alive connections (HTTP/1.1, no
 * pipelining), POST /accounts/:id/deposits, each request the next of the seeded accounts.
 *
 * The app's stdout goes straight into the pipe of a telemetry sink, a process of the
 * benchmark's own (observability/telemetry-sink.ts) that counts the lines and discards them
 * as they come, so the pipe never fills and neither this process's event loop nor a full
 * pipe slows the app's synchronous log writes. The same sink receives the OTLP exports and
 * counts their spans by name (an empty 200 answer each, as a collector that kept everything).
 *
 * Reported, as medians of the RUNS cycles: 2xx req/s, p99, the app's CPU (utime + stime from
 * /proc, all its threads) in % of one core and in µs per answered request, each variant's
 * extra CPU per request over its cycle's baseline in % (median and range), and the longest time
 * the projections and outbox took to catch up after a window (a slow drain is warned of: the
 * window then paid for less background work than it caused). Then the evidence
 * that each switch did what it says: access lines per request in the measured window (0 when
 * off), scrapes answered, deposits counted by the HTTP histogram and by the command counter
 * against those answered, the app's CPU per scrape (PRICED_SCRAPES back to back once the app is
 * idle), spans exported per deposit and deposits with a server span against those answered
 * (fewer would mean spans dropped), GET /metrics answering 404 when off. Last,
 * the verdict on the goal: logging, metrics and tracing together under 10 % of a deposit's CPU.
 * Correctness: no non-2xx or connection error, no error line logged, every deposit answered
 * 2xx in the database exactly once.
 *
 *   npm run bench -- observability-cost
 *   BENCH_OBS_SECONDS=10 BENCH_OBS_WARMUP_SECONDS=2 BENCH_OBS_CONNECTIONS=32 BENCH_OBS_POOL=16
 *   BENCH_OBS_ACCOUNTS=1000 BENCH_OBS_SETTLE_SECONDS=20 RUNS=6 by default (about 12 minutes on
 *   2 cores).
 * Needs the build: dist/src/main.js and dist/bench (npm run bench builds both). Linux only (/proc).
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  findProfile,
  printCategoryComparison,
  printProfileSummary,
  ProfileSummary,
  summariseProfile,
} from './http/cpu-profile-summary';
import { seedAccounts, waitForBacklog } from './http/ledgerline-client';
import { snapshotUsage, usageBetween } from './http/proc-usage';
import { ServerProcess, startServer } from './http/start-server';
import { runTaggedLoad, TaggedLoadResult } from './http/tagged-load';
// Types only: the sink module starts its receiver when loaded, and runs as its own process.
import type { SinkCounts, SinkListening } from './observability/telemetry-sink';
import { AuthHeaders, openBenchAuth } from './support/bench-auth';
import { BENCH_URL, median } from './support/bench-database';
import { cleanUp } from './support/clean-up';
import { positiveInteger } from './support/env-settings';

const SECONDS = positiveInteger('BENCH_OBS_SECONDS', 10);
const WARM_UP_SECONDS = positiveInteger('BENCH_OBS_WARMUP_SECONDS', 2);
const CONNECTIONS = positiveInteger('BENCH_OBS_CONNECTIONS', 32);
const POOL_SIZE = positiveInteger('BENCH_OBS_POOL', 16);
const ACCOUNTS = positiveInteger('BENCH_OBS_ACCOUNTS', 1000);
const RUNS = positiveInteger('RUNS', 6);
const SETTLE_SECONDS = positiveInteger('BENCH_OBS_SETTLE_SECONDS', 20);
/**
 * BENCH_OBS_RATE=<req/s>: the measured window offers that many deposits a second (spread over
 * the connections) instead of as many as the app answers. A process's CPU per request falls
 * as its throughput rises (the background loops write bigger batches), so on a machine whose
 * speed drifts between rounds, variants compared at their own maximum differ by their
 * throughput as much as by their switches; at one offered rate that every variant sustains,
 * they differ by what the switches cost. Unset: as fast as the app answers.
 */
const RATE =
  process.env.BENCH_OBS_RATE === undefined ? undefined : positiveInteger('BENCH_OBS_RATE', 1);
/** Back-to-back scrapes of an idle app, to price one scrape. */
const PRICED_SCRAPES = 50;
/** Prometheus's usual scrape interval is 15-60 s: once a second is a heavy scraper. */
const SCRAPE_INTERVAL_MS = 1_000;
/** The goal: all three together cost less than this share of a deposit's app CPU. */
const GOAL_PERCENT = 10;
/** A longer catch-up after a window means background work the window did not pay for. */
const SLOW_DRAIN_SECONDS = 5;
const OPENING_BALANCE = 1_000_000;

const MAIN = join(__dirname, '..', 'src', 'main.js');
const SINK = join(__dirname, 'observability', 'telemetry-sink.js');
const DEPOSIT_ROUTE = '/accounts/:id/deposits';
/** Reference suffix: gives the deposit body the size http-deposits sends. */
const REFERENCE_TAIL = 'invoice 2026-11-14, counterparty DE89 3704 0044 0532 0130 00';

type VariantKey = 'baseline' | 'control' | 'logging' | 'metrics' | 'tracing' | 'all';
interface Variant {
  readonly key: VariantKey;
  /**
   * First letter of its request references: `<letter>s-<n>` (settling), `<letter>w<k>-<n>`
   * (warm-up load k), `<letter><cycle>m-<n>` (measured).
   */
  readonly letter: string;
  readonly label: string;
  readonly logging: boolean;
  readonly metrics: boolean;
  readonly tracing: boolean;
}
const VARIANTS: readonly Variant[] = [
  {
    key: 'baseline',
    letter: 'b',
    label: 'baseline (LOG_LEVEL=fatal, METRICS=off, no tracing)',
    logging: false,
    metrics: false,
    tracing: false,
  },
  {
    // The baseline's set-up in a second process: its extra over the baseline is what two
    // identical processes differ by on this machine, the floor under every other figure.
    key: 'control',
    letter: 'c',
    label: 'control (the baseline again, another process)',
    logging: false,
    metrics: false,
    tracing: false,
  },
  {
    key: 'logging',
    letter: 'l',
    label: 'logging (LOG_LEVEL=info, JSON)',
    logging: true,
    metrics: false,
    tracing: false,
  },
  {
    key: 'metrics',
    letter: 'm',
    label: 'metrics (METRICS=on, scraped 1/s)',
    logging: false,
    metrics: true,
    tracing: false,
  },
  {
    key: 'tracing',
    letter: 't',
    label: 'tracing (OTLP export)',
    logging: false,
    metrics: false,
    tracing: true,
  },
  {
    key: 'all',
    letter: 'a',
    label: 'all three on',
    logging: true,
    metrics: true,
    tracing: true,
  },
];

/**
 * BENCH_OBS_VARIANTS=tracing,all: only those beside the baseline and the control (quicker
 * while tuning one switch; the verdict on all three together needs `all`).
 */
function activeVariants(selection: string | undefined): readonly Variant[] {
  if (selection === undefined || selection.trim() === '') return VARIANTS;
  const keys = new Set(selection.split(',').map((key) => key.trim()));
  for (const key of keys) {
    if (!VARIANTS.some((variant) => variant.key === key))
      throw new Error(`BENCH_OBS_VARIANTS: unknown variant ${key}`);
  }
  return VARIANTS.filter(
    (variant) => variant.key === 'baseline' || variant.key === 'control' || keys.has(variant.key),
  );
}
const ACTIVE = activeVariants(process.env.BENCH_OBS_VARIANTS);
const isActive = (key: VariantKey) => ACTIVE.some((variant) => variant.key === key);
/**
 * BENCH_OBS_PROFILE=1: every measured app process runs under `node --cpu-prof` (slower: its
 * figures are not comparable with an unprofiled run's), and where each variant spent its
 * main thread's time in its measured windows is printed side by side with the baseline.
 */
const PROFILE = process.env.BENCH_OBS_PROFILE === '1';

/**
 * OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, when set for the benchmark, are handed to
 * the tracing variants (the app's own default applies otherwise): what a sampler saves.
 */
function samplerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG']) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** One variant's slice of one cycle: a measured window of load on its (long-lived) process. */
interface Round {
  readonly load: TaggedLoadResult;
  readonly cpuPercent: number;
  /** The app's CPU µs per 2xx answer in the measured window. */
  readonly cpuUsPerRequest: number;
  /** Deposit access lines written in the measured window, per 2xx answer. */
  readonly accessLinesPerRequest: number;
  /** All lines written in the measured window, per 2xx answer. */
  readonly logLinesPerRequest: number;
  /** Scrapes answered 200 in the measured window. */
  readonly scrapes: number;
  /**
   * How long its projections and outbox took to catch up after the window: long means the
   * background work fell behind, and its CPU landed outside the window.
   */
  readonly drainSeconds: number;
}

/** What one variant's app process did over its whole life (seeding, warm-up and windows). */
interface Lifetime {
  /** Autocannon runs against this process. */
  readonly loads: number;
  /** Deposits it answered 2xx. */
  readonly answered: number;
  /** The app's CPU ms per scrape, scraped back to back once idle (metrics on only). */
  readonly scrapeCpuMs?: number;
  /**
   * From a scrape at the end: 2xx deposits in the HTTP histogram, and DepositMoneyCommand
   * that succeeded.
   */
  readonly histogramDeposits?: number;
  readonly commandDeposits?: number;
  /** Received by its own telemetry sink (the exporter flushes at shutdown). */
  readonly spans: number;
  readonly exports: number;
  readonly spansByName: Readonly<Record<string, number>>;
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
/** process.hrtime in µs: the clock V8 stamps a .cpuprofile with. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** The telemetry sink process: log lines on its stdin, OTLP exports on its port. */
interface TelemetrySink {
  readonly otlpEndpoint: string;
  /** The pipe to hand a server as its stdout. */
  readonly stdin: NonNullable<ChildProcess['stdin']>;
  counts(): Promise<SinkCounts>;
  stop(): Promise<void>;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && 'type' in message && message.type === type;

async function startSink(): Promise<TelemetrySink> {
  const child = fork(SINK, [], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'ignore', 'inherit', 'ipc'],
  });
  const next = <T extends { type: string }>(type: T['type']) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (!isMessage<T>(message, type)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`telemetry sink exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const { port } = await next<SinkListening>('listening');
  if (!child.stdin) throw new Error('telemetry sink: no stdin');
  return {
    otlpEndpoint: `http://127.0.0.1:${port}`,
    stdin: child.stdin,
    counts: () => {
      const reply = next<SinkCounts>('counts');
      child.send('counts');
      return reply;
    },
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      await exited;
    },
  };
}

/** One GET /metrics. */
async function scrape(
  baseUrl: string,
  auth: AuthHeaders,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: auth });
  return { status: response.status, text: await response.text() };
}

/** Scrapes every SCRAPE_INTERVAL_MS while running; one scrape at a time. */
class Scraper {
  answered = 0;
  readonly failures: string[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly baseUrl: string,
    private readonly auth: AuthHeaders,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight ??= this.once().finally(() => (this.inFlight = undefined));
    }, SCRAPE_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  private async once(): Promise<void> {
    try {
      const { status, text } = await scrape(this.baseUrl, this.auth);
      if (status === 200) this.answered++;
      else this.failures.push(`${status} ${text.slice(0, 200)}`);
    } catch (error) {
      this.failures.push(String(error));
    }
  }
}

/** 2xx deposits in the HTTP histogram, and DepositMoneyCommand that succeeded, from a scrape. */
function depositsCounted(text: string): { histogram: number; commands: number } {
  let histogram = 0;
  let commands = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const [, name, labels, value] = match;
    if (
      name === 'ledgerline_http_request_duration_seconds_count' &&
      labels.includes(`route="${DEPOSIT_ROUTE}"`) &&
      /status="2\d\d"/.test(labels)
    )
      histogram += Number(value);
    if (
      name === 'ledgerline_commands_total' &&
      labels.includes('command="DepositMoneyCommand"') &&
      labels.includes('outcome="succeeded"')
    )
      commands += Number(value);
  }
  return { histogram, commands };
}

/**
 * The app's CPU per scrape: PRICED_SCRAPES scrapes one after the other, once the app is idle
 * (its backlog drained), so the figure is the scrape's alone, background polling aside.
 */
async function priceScrape(server: ServerProcess, auth: AuthHeaders): Promise<number> {
  const cpuSeconds = () => snapshotUsage({ app: server.pid }).servers.get('app') ?? NaN;
  const before = cpuSeconds();
  for (let n = 0; n < PRICED_SCRAPES; n++) {
    const { status } = await scrape(server.baseUrl, auth);
    if (status !== 200) throw new Error(`GET /metrics answered ${status}`);
  }
  return (1000 * (cpuSeconds() - before)) / PRICED_SCRAPES;
}

/** A variant's long-lived app process, on a schema and telemetry sink of its own. */
interface Contender {
  readonly variant: Variant;
  readonly schema: string;
  readonly sink: TelemetrySink;
  readonly server: ServerProcess;
  readonly accounts: readonly string[];
  /** References of the deposits it answered 2xx, checked against its event log at the end. */
  readonly answeredRefs: string[];
  loads: number;
  answered: number;
  rotation: number;
  /** The measured windows, on the clock a .cpuprofile is stamped with. */
  readonly windows: { startUs: number; endUs: number }[];
}

async function main(): Promise<void> {
  const opened: (() => Promise<unknown>)[] = [];
  const failures: string[] = [];
  const warnings: string[] = [];
  try {
    const admin = new Client({ connectionString: BENCH_URL });
    await admin.connect();
    opened.push(() => admin.end());
    const runId = randomBytes(3).toString('hex');
    const masterKey = randomBytes(32).toString('base64');
    const auth = await openBenchAuth();
    opened.push(() => auth.remove());
    const tellers = await auth.principals('teller');
    const scraperAuth: AuthHeaders = {
      authorization: `Bearer ${await auth.mint('bench-prometheus', ['auditor'])}`,
    };
    // BENCH_OBS_PROFILE_DIR: where to keep the profiles (removed after the run otherwise).
    const keptProfiles = process.env.BENCH_OBS_PROFILE_DIR;
    const profileDir = PROFILE
      ? mkdtempSync(join(keptProfiles ?? tmpdir(), 'll-obs-prof-'))
      : undefined;
    if (profileDir && !keptProfiles) {
      opened.push(() => rm(profileDir, { recursive: true, force: true }));
    }

    const deposit = (contender: Contender) => (ref: string) => ({
      path: `/accounts/${contender.accounts[contender.rotation++ % contender.accounts.length]}/deposits`,
      body: JSON.stringify({
        amount: 100 + (contender.rotation % 900),
        reference: `${ref} ${REFERENCE_TAIL}`,
        channel: 'online',
      }),
    });
    const load = async (
      contender: Contender,
      tag: string,
      seconds: number,
      overallRate?: number,
    ): Promise<TaggedLoadResult> => {
      contender.loads++;
      const outcome = await runTaggedLoad({
        url: contender.server.baseUrl,
        connections: CONNECTIONS,
        seconds,
        overallRate,
        tag,
        headers: tellers,
        build: deposit(contender),
      });
      contender.answered += outcome.result['2xx'];
      contender.answeredRefs.push(...outcome.answered);
      const { non2xx, errors, timeouts } = outcome.result;
      if (non2xx + errors + timeouts > 0)
        failures.push(
          `${contender.variant.key} ${tag}: ${non2xx} non-2xx ${JSON.stringify(outcome.failures)}, ` +
            `${errors} errors, ${timeouts} timeouts; first: ${outcome.firstFailure ?? '-'}`,
        );
      return outcome;
    };

    // Every variant's process lives through the whole run, on a schema of its own (each one
    // runs its own projections, relay and process managers: they do the background work of
    // its own deposits, and no other's). Seeded by itself through the API, then settled by a
    // load of deposits, so no window runs on freshly created tables, and warm: every account
    // has had a deposit in that process, so no window pays for loading streams.
    const seeding = Date.now();
    const contenders: Contender[] = [];
    for (const variant of ACTIVE) {
      const schema = `bench_obs_${runId}_${variant.key}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      opened.push(() => admin.query(`DROP SCHEMA ${schema} CASCADE`));
      const sink = await startSink();
      opened.push(() => sink.stop());
      const server = await startServer({
        name: `app-${variant.key}`,
        script: MAIN,
        nodeArgs: profileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, variant.key)}`]
          : [],
        readyPath: '/health',
        env: {
          PATH: process.env.PATH ?? '',
          NO_COLOR: '1',
          DATABASE_URL: BENCH_URL,
          DATABASE_SCHEMA: schema,
          DATABASE_POOL_SIZE: String(POOL_SIZE),
          PII_MASTER_KEY: masterKey,
          ...auth.env,
          LOG_LEVEL: variant.logging ? 'info' : 'fatal',
          LOG_FORMAT: 'json',
          METRICS: variant.metrics ? 'on' : 'off',
          ...(variant.tracing
            ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.otlpEndpoint, ...samplerEnv(process.env) }
            : {}),
        },
        stdout: sink.stdin,
      });
      opened.push(() => server.stop());
      const probe = await scrape(server.baseUrl, scraperAuth);
      if (probe.status !== (variant.metrics ? 200 : 404))
        failures.push(`${variant.key}: GET /metrics answered ${probe.status}`);
      const contender: Contender = {
        variant,
        schema,
        sink,
        server,
        accounts: await seedAccounts(server.baseUrl, tellers, ACCOUNTS, OPENING_BALANCE),
        answeredRefs: [],
        loads: 1,
        // Each account's opening balance is a deposit through the API, counted by the metrics.
        answered: ACCOUNTS,
        rotation: 0,
        windows: [],
      };
      contenders.push(contender);
      await load(contender, `${variant.letter}s`, SETTLE_SECONDS);
      while (contender.rotation < contender.accounts.length)
        await load(contender, `${variant.letter}w${contender.loads}`, WARM_UP_SECONDS);
      await waitForBacklog(server.baseUrl, auth.admin);
      // The seeding wrote most of the rows: left to autovacuum, their vacuum and fresh
      // statistics would land in some window of the first cycle.
      await vacuumSchema(admin, schema);
    }
    console.log(
      `${contenders.length} app processes, each on its own schema, seeded through the API with ` +
        `${ACCOUNTS} accounts and settled by ${SETTLE_SECONDS} s of deposits, in ` +
        `${((Date.now() - seeding) / 1000).toFixed(1)} s; then ${RUNS} cycles of a ${SECONDS} s ` +
        `window per process, one process loaded at a time, the others idle; ${CONNECTIONS} ` +
        `connections${RATE ? `, ${RATE} req/s offered` : ''}, pool of ${POOL_SIZE}; deposit body ` +
        `${deposit(contenders[0])('a9m-99999').body.length} B`,
    );

    const rounds: Record<VariantKey, Round[]> = {
      baseline: [],
      control: [],
      logging: [],
      metrics: [],
      tracing: [],
      all: [],
    };
    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 === 1 ? [...contenders] : [...contenders].reverse();
      const line: string[] = [];
      for (const contender of order) {
        const { variant, server, sink } = contender;
        const scraper = variant.metrics ? new Scraper(server.baseUrl, scraperAuth) : undefined;
        scraper?.start();
        const countsBefore = await sink.counts();
        const usageBefore = snapshotUsage({ app: server.pid });
        const window = { startUs: nowUs(), endUs: 0 };
        const measured = await load(contender, `${variant.letter}${run}m`, SECONDS, RATE);
        const usage = usageBetween(usageBefore, snapshotUsage({ app: server.pid }));
        window.endUs = nowUs();
        contender.windows.push(window);
        const countsAfter = await sink.counts();
        await scraper?.stop();
        failures.push(...(scraper?.failures ?? []).map((f) => `${variant.key} scrape: ${f}`));
        const cpuPercent = usage.percent.app;
        const answered = measured.result['2xx'];
        rounds[variant.key].push({
          load: measured,
          cpuPercent,
          // % of one core ÷ requests per second = CPU seconds per request (×10^4 for µs).
          cpuUsPerRequest: (10_000 * cpuPercent) / measured.okPerSecond,
          accessLinesPerRequest:
            (countsAfter.depositAccessLines - countsBefore.depositAccessLines) / answered,
          logLinesPerRequest: (countsAfter.logLines - countsBefore.logLines) / answered,
          scrapes: scraper?.answered ?? 0,
          // Before the next window: none starts with another one's backlog.
          drainSeconds: await waitForBacklog(server.baseUrl, auth.admin),
        });
        line.push(
          `${variant.key} ${Math.round(measured.okPerSecond)} req/s ` +
            `${Math.round(rounds[variant.key][run - 1].cpuUsPerRequest)} µs/req`,
        );
      }
      console.log(`cycle ${run}: ${line.join(', ')}`);
    }

    const lifetimes: Partial<Record<VariantKey, Lifetime>> = {};
    const profiles: Partial<Record<VariantKey, ProfileSummary[]>> = {};
    let sampleAccessLine: string | undefined;
    for (const contender of contenders) {
      const { variant, server, sink } = contender;
      const counted = variant.metrics
        ? depositsCounted((await scrape(server.baseUrl, scraperAuth)).text)
        : undefined;
      const scrapeCpuMs = variant.metrics ? await priceScrape(server, scraperAuth) : undefined;
      // The exporter sends its last spans as the app shuts down.
      await server.stop();
      const counts = await sink.counts();
      sampleAccessLine ??= counts.sampleAccessLine;
      if (counts.errorLines > 0)
        failures.push(
          `${variant.key}: ${counts.errorLines} error lines logged; first: ${counts.firstErrorLine ?? '-'}`,
        );
      if (counts.malformedExports > 0)
        failures.push(`${variant.key}: OTLP exports the sink could not decode`);
      lifetimes[variant.key] = {
        loads: contender.loads,
        answered: contender.answered,
        scrapeCpuMs,
        histogramDeposits: counted?.histogram,
        commandDeposits: counted?.commands,
        spans: counts.spans,
        exports: counts.exports,
        spansByName: counts.spansByName,
      };
      if (profileDir) {
        const measuredRequests = rounds[variant.key].reduce((n, r) => n + r.load.result['2xx'], 0);
        profiles[variant.key] = [
          summariseProfile({
            title: `${variant.key}, all windows`,
            file: findProfile(join(profileDir, variant.key)),
            windows: contender.windows,
            spawnedAtUs: server.spawnedAtUs,
            requests: measuredRequests,
          }),
        ];
      }
      failures.push(
        ...(
          await checkDatabase(
            admin,
            contender.schema,
            contender.answeredRefs,
            CONNECTIONS * contender.loads,
          )
        ).map((problem) => `${variant.key}: ${problem}`),
      );
    }

    failures.push(...checkEvidence(rounds, lifetimes, warnings));
    report(rounds, lifetimes, sampleAccessLine);
    if (profileDir) printProfiles(profiles);
    for (const warning of warnings) console.log(`WARNING: ${warning}`);
    if (failures.length > 0) throw new Error(`INVALID RUN:\n  ${failures.join('\n  ')}`);
  } finally {
    await cleanUp(opened);
  }
}

/**
 * Each switch did what it says: access lines only with logging on (about one per request, in
 * every window), scrapes answered and every deposit counted only with metrics on, spans only
 * with tracing on. A deposit answered without a server span is a warning (the batch exporter
 * drops spans when its queue is full), not a failure: the run still measured the app's
 * default set-up, but the tracing figure then leaves out the dropped spans' export.
 */
function checkEvidence(
  rounds: Record<VariantKey, Round[]>,
  lifetimes: Partial<Record<VariantKey, Lifetime>>,
  warnings: string[],
): string[] {
  const failures: string[] = [];
  for (const variant of ACTIVE) {
    rounds[variant.key].forEach((r, index) => {
      const where = `${variant.key} cycle ${index + 1}`;
      const lines = r.accessLinesPerRequest;
      if (variant.logging ? Math.abs(lines - 1) > 0.05 : lines !== 0)
        failures.push(`${where}: ${round(lines, 3)} access lines per request`);
      if (variant.metrics && r.scrapes < SECONDS - 1)
        failures.push(`${where}: only ${r.scrapes} scrapes answered`);
      if (r.drainSeconds > SLOW_DRAIN_SECONDS)
        warnings.push(
          `${where}: the backlog took ${round(r.drainSeconds, 1)} s to drain after the window ` +
            '(background work fell behind: the window paid for less of it)',
        );
    });
    const life = lifetimes[variant.key];
    if (!life) continue;
    // A request cut off when a load's time is up (one per connection) is still handled, and
    // logged, counted and traced: the lifetime counts are exact up to those.
    const cut = CONNECTIONS * life.loads;
    if (variant.metrics) {
      for (const [what, count] of [
        ['HTTP histogram', life.histogramDeposits],
        ['command counter', life.commandDeposits],
      ] as const) {
        if (count === undefined || Math.abs(count - life.answered) > cut)
          failures.push(
            `${variant.key}: the ${what} counted ${count} deposits of ${life.answered}`,
          );
      }
    }
    if (variant.tracing) {
      const traced = life.spansByName[`POST ${DEPOSIT_ROUTE}`] ?? 0;
      if (life.spans === 0) failures.push(`${variant.key}: no span exported`);
      else if (traced < life.answered - cut)
        warnings.push(
          `${variant.key}: ${traced} deposit server spans for ${life.answered} deposits`,
        );
    } else if (life.exports > 0)
      failures.push(`${variant.key}: ${life.exports} OTLP exports with tracing off`);
  }
  return failures;
}

async function checkDatabase(
  admin: Client,
  schema: string,
  answered: readonly string[],
  cutLimit: number,
): Promise<string[]> {
  const { rows } = await admin.query<{ ref: string }>(
    `SELECT split_part(data->>'reference', ' ', 1) AS ref FROM ${schema}.es_events
      WHERE type = 'MoneyDeposited' AND data->>'reference' <> 'opening balance'`,
  );
  const stored = new Map<string, number>();
  for (const { ref } of rows) stored.set(ref, (stored.get(ref) ?? 0) + 1);
  const answeredSet = new Set(answered);
  const missing = answered.filter((ref) => !stored.has(ref)).length;
  const duplicated = [...stored.values()].filter((count) => count > 1).length;
  const unanswered = [...stored.keys()].filter((ref) => !answeredSet.has(ref)).length;
  console.log(
    `\nevent log: ${answered.length} deposits answered 2xx, ${rows.length} stored; ` +
      `${missing} answered but missing, ${duplicated} duplicated, ${unanswered} stored unanswered ` +
      `(cut off at a load's end: at most ${cutLimit})`,
  );
  const problems: string[] = [];
  if (missing > 0 || duplicated > 0) problems.push(`${missing} missing, ${duplicated} duplicated`);
  if (unanswered > cutLimit) problems.push(`${unanswered} stored deposits nobody was answered for`);
  return problems;
}

function report(
  rounds: Record<VariantKey, Round[]>,
  lifetimes: Partial<Record<VariantKey, Lifetime>>,
  sampleAccessLine: string | undefined,
): void {
  const medianOf = (key: VariantKey, pick: (r: Round) => number) => median(rounds[key].map(pick));
  const cpu = (key: VariantKey) => medianOf(key, (r) => r.cpuUsPerRequest);
  const rate = (key: VariantKey) => medianOf(key, (r) => r.load.okPerSecond);
  const baseCpu = cpu('baseline');
  const baseRate = rate('baseline');
  // A cycle's windows ran back to back, seconds apart, on processes alive all along: each
  // window against its own cycle's baseline leaves out the machine's drift between cycles.
  const extras = (key: VariantKey) =>
    rounds[key].map(
      (r, index) =>
        (100 * (r.cpuUsPerRequest - rounds.baseline[index].cpuUsPerRequest)) /
        rounds.baseline[index].cpuUsPerRequest,
    );
  const extraPercent = (key: VariantKey) => median(extras(key));
  const range = (key: VariantKey) =>
    `${round(Math.min(...extras(key)), 1)} to ${round(Math.max(...extras(key)), 1)} %`;

  console.log(
    `\nHTTP deposits, ${RUNS} cycles of a ${SECONDS} s window per variant, ${CONNECTIONS} ` +
      `connections; app CPU from /proc, % of one core (the machine has ${cpus().length * 100} %); ` +
      "extra: the median over the cycles of each window against its own cycle's baseline:",
  );
  console.table(
    ACTIVE.map((variant) => ({
      variant: variant.label,
      'req/s': Math.round(rate(variant.key)),
      'p99 ms': medianOf(variant.key, (r) => r.load.p99Ms),
      'app CPU %': Math.round(medianOf(variant.key, (r) => r.cpuPercent)),
      'app CPU µs/req': Math.round(cpu(variant.key)),
      'cycles µs/req': rounds[variant.key].map((r) => Math.round(r.cpuUsPerRequest)).join(' '),
      'extra %': variant.key === 'baseline' ? '' : `${round(extraPercent(variant.key), 1)} %`,
      'extra, cycles': variant.key === 'baseline' ? '' : range(variant.key),
      'req/s ÷ baseline': round(rate(variant.key) / baseRate, 2),
      'drain s (max)': round(Math.max(...rounds[variant.key].map((r) => r.drainSeconds)), 1),
    })),
  );

  console.log(
    'What each app process did (windows: medians of the cycles; the rest over its life):',
  );
  console.table(
    ACTIVE.map((variant) => {
      const life = lifetimes[variant.key];
      const perDeposit = (count: number | undefined) =>
        life && count !== undefined ? round(count / life.answered, 3) : '-';
      return {
        variant: variant.key,
        'access lines/req (window)': round(
          medianOf(variant.key, (r) => r.accessLinesPerRequest),
          3,
        ),
        'log lines/req (window)': round(
          medianOf(variant.key, (r) => r.logLinesPerRequest),
          3,
        ),
        'scrapes (window)': medianOf(variant.key, (r) => r.scrapes),
        'histogram ÷ answered': variant.metrics ? perDeposit(life?.histogramDeposits) : '-',
        'commands ÷ answered': variant.metrics ? perDeposit(life?.commandDeposits) : '-',
        'spans/deposit': perDeposit(life?.spans),
        'server spans ÷ answered': perDeposit(life?.spansByName[`POST ${DEPOSIT_ROUTE}`]),
        'OTLP exports': life?.exports ?? '-',
      };
    }),
  );
  const traced = lifetimes.tracing;
  if (traced) {
    const names = Object.entries(traced.spansByName)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 8)
      .map(([name, count]) => `${name} ${round(count / traced.answered, 2)}`);
    console.log(`spans per deposit by name (tracing): ${names.join('; ')}`);
  }
  if (sampleAccessLine) console.log(`an access line: ${sampleAccessLine}`);
  const scrapeMs = lifetimes.metrics?.scrapeCpuMs;
  if (scrapeMs !== undefined) {
    // One scrape a second: its CPU spread over that second's requests.
    const scrapeUsPerRequest = (1000 * scrapeMs) / rate('metrics');
    console.log(
      `one scrape of GET /metrics costs the idle app ${round(scrapeMs, 2)} ms of CPU (median, ` +
        `${PRICED_SCRAPES} back to back): at 1/s and ${Math.round(rate('metrics'))} req/s, ` +
        `${round(scrapeUsPerRequest, 1)} µs per request (${round((100 * scrapeUsPerRequest) / baseCpu, 1)} % ` +
        `of the baseline's)`,
    );
  }
  if (RATE) {
    const short = ACTIVE.filter((variant) =>
      rounds[variant.key].some((r) => r.load.okPerSecond < 0.97 * RATE),
    ).map((variant) => variant.key);
    if (short.length > 0)
      console.log(
        `WARNING: ${short.join(', ')} answered under 97 % of the offered ${RATE} req/s in some ` +
          'cycle: those windows compare unequal loads; offer a lower BENCH_OBS_RATE',
      );
  }
  if (!isActive('all')) {
    console.log('\nno verdict on the goal: the `all` variant did not run (BENCH_OBS_VARIANTS)');
    return;
  }
  const extra = extraPercent('all');
  console.log(
    `\nextra app CPU per deposit over the baseline: logging ${round(extraPercent('logging'), 1)} %, ` +
      `metrics ${round(extraPercent('metrics'), 1)} %, tracing ${round(extraPercent('tracing'), 1)} %; ` +
      `all three together ${round(extra, 1)} % (cycles: ${range('all')}; medians ` +
      `${Math.round(cpu('all'))} µs against ${Math.round(baseCpu)} µs); ` +
      `req/s ${round(rate('all') / baseRate, 2)}x the baseline's`,
  );
  console.log(
    `the control (the baseline's set-up in another process) against the baseline: ` +
      `${round(extraPercent('control'), 1)} % (cycles: ${range('control')}): differences of that ` +
      'size are the noise of this machine and this run, not the switches',
  );
  console.log(
    `goal "logging + metrics + tracing together cost under ${GOAL_PERCENT} % of a deposit's CPU" ` +
      `${extra < GOAL_PERCENT ? 'MET' : 'MISSED'}: ${round(extra, 1)} % ` +
      `${extra < GOAL_PERCENT ? '<' : '≥'} ${GOAL_PERCENT} %`,
  );
}

/** VACUUM (ANALYZE) of every table of `schema`: statistics and visibility map up to date. */
async function vacuumSchema(admin: Client, schema: string): Promise<void> {
  const { rows } = await admin.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = $1`,
    [schema],
  );
  for (const { name } of rows) await admin.query(`VACUUM (ANALYZE) ${name}`);
}

/** The code each switch turns on, by profile category (see cpu-profile-summary.ts). */
const OWNERS: Readonly<Record<'logging' | 'metrics' | 'tracing', RegExp>> = {
  logging:
    /^(npm: (pino|pino-http|pino-std-serializers|nestjs-pino|sonic-boom|@pinojs\/redact)|ours: src\/observability\/logging)$/,
  metrics: /^(npm: (prom-client|tdigest|bintrees)|ours: src\/observability\/metrics)$/,
  tracing: /^(npm: @opentelemetry\/.+|ours: src\/observability\/tracing)$/,
};

/** Where each variant's main thread spent its time, beside the baseline's (first rounds). */
function printProfiles(profiles: Partial<Record<VariantKey, ProfileSummary[]>>): void {
  const firsts = ACTIVE.map((variant) => profiles[variant.key]?.[0]).filter(
    (summary): summary is ProfileSummary => summary !== undefined,
  );
  for (const summary of firsts) printProfileSummary(summary);
  const baseline = firsts.find((summary) => summary.title.startsWith('baseline'));
  if (baseline) printCategoryComparison(firsts, baseline);
  // Within one process, a share of its own time: the machine's drift changes both sides.
  console.log(
    "\nThe switches' own code in each process's measured windows (self time, natives it called " +
      'included; the garbage its allocations cost and the shared async context are not):',
  );
  console.table(
    firsts.map((summary) => {
      const owned = (owner: RegExp) =>
        [...summary.byCallerCategory].reduce(
          (sum, [category, us]) => (owner.test(category) ? sum + us : sum),
          0,
        );
      const share = (us: number) =>
        `${Math.round(us / summary.requests)} µs/req, ${round((100 * us) / summary.busyUs, 1)} %`;
      const each = Object.values(OWNERS).map(owned);
      return {
        process: summary.title,
        'busy µs/req': Math.round(summary.busyUs / summary.requests),
        logging: share(each[0]),
        metrics: share(each[1]),
        tracing: share(each[2]),
        'the three': share(each[0] + each[1] + each[2]),
      };
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
