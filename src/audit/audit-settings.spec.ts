import { randomBytes } from 'node:crypto';
import { auditSettings, DEVELOPMENT_SIGNING_KEY } from './audit-settings';

describe('auditSettings', () => {
  it('signs with the development key, every minute, when nothing is set outside production', () => {
    expect(auditSettings({})).toEqual({
      signingKey: DEVELOPMENT_SIGNING_KEY,
      developmentKey: true,
      checkpoints: true,
      checkpointIntervalMs: 60_000,
    });
  });

  it('refuses production without AUDIT_SIGNING_KEY', () => {
    expect(() => auditSettings({ NODE_ENV: 'production' })).toThrow(
      /NODE_ENV=production needs AUDIT_SIGNING_KEY/,
    );
  });

  it('takes a key of 32 bytes or more in base64, and never repeats a bad one', () => {
    const key = randomBytes(48);
    const settings = auditSettings({
      NODE_ENV: 'production',
      AUDIT_SIGNING_KEY: key.toString('base64'),
    });
    expect(settings.signingKey.equals(key)).toBe(true);
    expect(settings.developmentKey).toBe(false);
    const short = randomBytes(16).toString('base64');
    for (const value of [short, 'not base64 at all!'])
      expect(() => auditSettings({ AUDIT_SIGNING_KEY: value })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining(value) as string }),
      );
  });

  it('reads AUDIT_CHECKPOINTS and AUDIT_CHECKPOINT_INTERVAL_MS, refusing intervals out of range', () => {
    expect(
      auditSettings({ AUDIT_CHECKPOINTS: 'off', AUDIT_CHECKPOINT_INTERVAL_MS: '5000' }),
    ).toMatchObject({
      checkpoints: false,
      checkpointIntervalMs: 5_000,
    });
    for (const value of ['999', '1.5', 'soon'])
      expect(() => auditSettings({ AUDIT_CHECKPOINT_INTERVAL_MS: value })).toThrow(
        /AUDIT_CHECKPOINT_INTERVAL_MS must be an integer/,
      );
  });
});
