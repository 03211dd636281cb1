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

module.exports = async function globalSetup() {
  buildApp();
  await decideBroker();
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
