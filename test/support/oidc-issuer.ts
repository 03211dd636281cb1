import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CryptoKey, exportJWK, generateKeyPair, JWK, JWTPayload, SignJWT } from 'jose';

/**
 * A stand-in for an OIDC issuer in tests: signing keys, tokens, and a JWKS endpoint on
 * 127.0.0.1 that a test can rotate or break while an app verifies against it.
 */

export type IssuerAlgorithm = 'RS256' | 'ES256';

/** One signing key pair of the issuer. */
export interface IssuerKey {
  readonly alg: IssuerAlgorithm;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public half as a JWKS publishes it (kid, alg, use: sig). */
  readonly publicJwk: JWK;
}

export async function issuerKey(
  alg: IssuerAlgorithm,
  kid = `${alg.toLowerCase()}-${randomUUID()}`,
): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

/** Signs `payload` exactly as given (no claims added) with `key`; `header` adds or overrides. */
export function signToken(
  key: IssuerKey,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

/** Base64url of a JSON value, for tokens crafted by hand. */
export const base64urlJson = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** What the JWKS endpoint answers: a key set, or a raw status and body (a broken issuer). */
export type JwksAnswer =
  { readonly keys: readonly IssuerKey[] } | { readonly status: number; readonly body: string };

export interface JwksServer {
  /** The JWKS URL, for AUTH_JWKS_URL. */
  readonly url: string;
  /** How many times the JWKS has been fetched so far. */
  fetches(): number;
  /** Changes what the endpoint answers from now on (key rotation, outage). */
  serve(answer: JwksAnswer): void;
  close(): Promise<void>;
}

/** Starts a JWKS endpoint on 127.0.0.1 and an ephemeral port. */
export async function startJwksServer(initial: JwksAnswer): Promise<JwksServer> {
  let answer = initial;
  let fetches = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    fetches++;
    if ('keys' in answer) {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: answer.keys.map((key) => key.publicJwk) }));
    } else {
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    fetches: () => fetches,
    serve: (next) => {
      answer = next;
    },
    close: () => closeServer(server),
  };
}

/** A JWKS URL on a port nothing listens on (bound, then released): an issuer that is down. */
export async function unreachableJwksUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return `http://127.0.0.1:${port}/jwks.json`;
}

async function closeServer(server: Server): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  // The app's fetch keeps its connection alive; without this, close waits for it to time out.
  server.closeAllConnections();
  await closed;
}
