import { parseArgs } from 'node:util';
import { localIssuerKey } from '../auth/local-issuer-key';
import { signLocalToken } from '../auth/local-token';
import { isRole, Role, ROLES } from '../auth/roles';
import { loadAppConfig } from '../config/app-config';

const USAGE = `usage: npm run --silent token -- --role <${ROLES.join('|')}> [--role …] [--customer <id>] [--subject <sub>] [--ttl 1h]

Prints a bearer token of the local development issuer (and nothing else) on stdout:
  TOKEN=$(npm run --silent token -- --role teller)
  curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/accounts`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

function parseTtl(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  const seconds = match ? Number(match[1]) * TTL_UNITS[match[2]] : NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 30 * 86_400)
    throw new Error(`--ttl must be like 90s, 15m, 1h or 7d (at most 30d), got "${text}"`);
  return seconds;
}

/** Mints a token the way an OIDC issuer would, with the key the app verifies against. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      customer: { type: 'string' },
      subject: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const roles = values.role ?? [];
  const unknown = roles.filter((role) => !isRole(role));
  if (roles.length === 0 || unknown.length > 0) {
    console.error(unknown.length ? `unknown role: ${unknown.join(', ')}\n\n${USAGE}` : USAGE);
    return 2;
  }
  if (roles.includes('customer') && !(values.customer && UUID.test(values.customer))) {
    console.error('--role customer needs --customer <the customer id, a uuid>');
    return 2;
  }
  const { auth } = loadAppConfig();
  if (auth.jwksUrl) {
    console.error('AUTH_JWKS_URL is set: the app trusts that issuer; get tokens from it instead');
    return 2;
  }
  if (auth.localKeyFile.startsWith('memory://')) {
    console.error(
      'the local issuer keeps its key in memory (memory://), where no other process can sign; set AUTH_LOCAL_KEY_FILE to a file for both',
    );
    return 2;
  }
  const token = await signLocalToken(await localIssuerKey(auth.localKeyFile), auth, {
    subject: values.subject ?? `dev-${roles.join('-')}`,
    roles: roles as Role[],
    customerId: values.customer?.toLowerCase(),
    ttlSeconds: parseTtl(values.ttl),
  });
  process.stdout.write(`${token}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
