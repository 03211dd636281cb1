// A throwaway in-memory PostgreSQL (PGlite) for one test file, in its own Node process:
// PGlite loads its WebAssembly with dynamic import(), which Jest's module sandbox refuses.
// Prints {"url": ...} on stdout once it listens; exits when its parent disconnects.
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');

async function main() {
  const db = await PGlite.create('memory://');
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  process.stdout.write(
    `${JSON.stringify({ url: `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable` })}\n`,
  );
  const stop = () =>
    server
      .stop()
      .then(() => db.close())
      .finally(() => process.exit(0));
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
