import { loadAppConfig } from '../../src/config/app-config';
import { localIssuerKey } from '../../src/auth/local-issuer-key';
import { signLocalToken } from '../../src/auth/local-token';
import { Role } from '../../src/auth/roles';

/** The key file the global setup chose; every test app verifies with it. */
export function testKeyFile(): string {
  const file = process.env.AUTH_LOCAL_KEY_FILE;
  if (!file) throw new Error('AUTH_LOCAL_KEY_FILE is unset: run the tests with jest');
  return file;
}

/** A token of the local issuer, as `npm run token` mints them. */
export async function mintToken(options: {
  roles: Role[];
  customerId?: string;
  subject?: string;
  ttlSeconds?: number;
}): Promise<string> {
  const { auth } = loadAppConfig({ AUTH_LOCAL_KEY_FILE: testKeyFile() });
  return signLocalToken(await localIssuerKey(testKeyFile()), auth, {
    subject: options.subject ?? `test-${options.roles.join('-')}-${options.customerId ?? 'staff'}`,
    roles: options.roles,
    customerId: options.customerId,
    ttlSeconds: options.ttlSeconds ?? 3600,
  });
}
