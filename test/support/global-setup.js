// Decides which PostgreSQL the suite runs against, once, before any test file:
// - TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) when it answers;
// - otherwise, outside CI, the embedded database (PGlite) for the suites that can run there,
//   printing which suites are left out and why; with CI=true a missing server fails the run.
const { execFileSync } = require('node:child_process');
const { Client } = require('pg');

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// Fault tests run the built app as a child process (so it can be killed with SIGKILL);
// the build is incremental, so it costs seconds only after a change.
function buildApp() {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}

// RabbitMQ for the outbox suites: required in CI, optional elsewhere.
async function brokerReachable(url) {
  const amqp = require('amqplib');
  try {
    const connection = await amqp.connect(url, { timeout: 3000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

async function decideBroker() {
  const url = process.env.TEST_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';
  if (await brokerReachable(url)) {
    process.env.LEDGERLINE_TEST_BROKER = 'available';
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true and no RabbitMQ answers at ${url}: start it (see .ci/run) or set TEST_AMQP_URL`,
    );
  }
  process.env.LEDGERLINE_TEST_BROKER = 'missing';
  console.warn(`\n[ledgerline] No RabbitMQ at ${url}; the broker suites are left out.\n`);
}

// Every test app verifies tokens of the local issuer with this key; test helpers mint them
// (no test turns authentication off). The staff token (teller + admin) is the default.
async function prepareTokens() {
  const { join } = require('node:path');
  const { tmpdir } = require('node:os');
  const { localIssuerKey } = require('../../dist/src/auth/local-issuer-key');
  const { signLocalToken } = require('../../dist/src/auth/local-token');
  const { loadAppConfig } = require('../../dist/src/config/app-config');
  const keyFile =
    process.env.AUTH_LOCAL_KEY_FILE || join(tmpdir(), 'ledgerline-test', 'local-issuer-key.json');
  process.env.AUTH_LOCAL_KEY_FILE = keyFile;
  const { auth } = loadAppConfig({ AUTH_LOCAL_KEY_FILE: keyFile });
  const key = await localIssuerKey(keyFile);
  // One master key for the personal-data keys of every test schema, generated on first use
  // and kept, so a schema left by an earlier run still opens with it.
  const { loadMasterKey } = require('../../dist/src/personal-data/master-key');
  const masterKeyFile =
    process.env.PII_MASTER_KEY_FILE || join(tmpdir(), 'ledgerline-test', 'pii-master-key');
  process.env.PII_MASTER_KEY_FILE = masterKeyFile;
  loadMasterKey({ masterKeyFile });
  process.env.LEDGERLINE_TEST_STAFF_TOKEN = await signLocalToken(key, auth, {
    subject: 'test-staff',
    roles: ['teller', 'admin'],
    ttlSeconds: 6 * 3600,
  });
}

// Redis for the shared rate-limit counters: required in CI, optional elsewhere.
async function decideRedis() {
  const Redis = require('ioredis');
  const url = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    process.env.LEDGERLINE_TEST_REDIS = 'available';
  } catch {
    if (process.env.CI === 'true') {
      throw new Error(
        `CI=true and no Redis answers at ${url}: start it (see .ci/run) or set TEST_REDIS_URL`,
      );
    }
    process.env.LEDGERLINE_TEST_REDIS = 'missing';
    console.warn(`\n[ledgerline] No Redis at ${url}; the shared rate-limit suite is left out.\n`);
  } finally {
    probe.disconnect();
  }
}

module.exports = async function globalSetup() {
  buildApp();
  await prepareTokens();
  await decideBroker();
  await decideRedis();
  const url = process.env.TEST_DATABASE_URL || DEFAULT_URL;
  if (await reachable(url)) {
    process.env.TEST_DATABASE_URL = url;
    process.env.LEDGERLINE_TEST_DB = 'server';
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true and no PostgreSQL answers at ${url}: start it (see .ci/run) or set TEST_DATABASE_URL`,
    );
  }
  process.env.LEDGERLINE_TEST_DB = 'embedded';
  console.warn(
    `\n[ledgerline] No PostgreSQL at ${url}; running on the embedded database (PGlite).\n` +
      '[ledgerline] Left out: suites marked "needs a PostgreSQL server" (overlapping transactions,\n' +
      '[ledgerline] racing withdrawals, two app instances): PGlite has one backend session, so\n' +
      '[ledgerline] transactions never overlap there. Start PostgreSQL to run everything.\n',
  );
};
