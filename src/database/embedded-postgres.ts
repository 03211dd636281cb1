import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL in process (PGlite, WebAssembly) behind a local socket, so the app and
 * its pg pool talk to it as to any server. `dataDir` keeps the data across restarts;
 * `memory://` keeps nothing. Limits: one backend session, so transactions run one at a time,
 * and no LISTEN/NOTIFY or session advisory locks across connections.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  maxConnections: number,
): Promise<EmbeddedPostgres> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  // Two spare connections: the migration runner opens its own small pool at start-up.
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: maxConnections + 2,
  });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
