import { parseLoggingSettings } from './log-settings';

describe('parseLoggingSettings', () => {
  it('defaults to info, JSON or human-readable by the terminal', () => {
    expect(parseLoggingSettings({})).toEqual({ level: 'info', format: 'auto' });
  });

  it('takes LOG_LEVEL and LOG_FORMAT', () => {
    expect(parseLoggingSettings({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' })).toEqual({
      level: 'debug',
      format: 'json',
    });
  });

  it('maps the older LOG_LEVELS list to its most verbose level', () => {
    const level = (LOG_LEVELS: string) => parseLoggingSettings({ LOG_LEVELS }).level;
    expect(level('error')).toBe('error');
    expect(level('error,warn,log')).toBe('info');
    expect(level('error,log')).toBe('info');
    expect(level('warn, verbose')).toBe('trace');
    expect(level('')).toBe('info');
  });

  it('lets LOG_LEVEL win over LOG_LEVELS', () => {
    expect(parseLoggingSettings({ LOG_LEVEL: 'warn', LOG_LEVELS: 'error,log' }).level).toBe('warn');
  });

  it('refuses unknown levels and formats', () => {
    expect(() => parseLoggingSettings({ LOG_LEVEL: 'log' })).toThrow(/LOG_LEVEL must be one of/);
    expect(() => parseLoggingSettings({ LOG_LEVELS: 'error,loud' })).toThrow(
      /unknown levels: loud/,
    );
    expect(() => parseLoggingSettings({ LOG_LEVELS: 'toString' })).toThrow(/unknown levels/);
    expect(() => parseLoggingSettings({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be one of/);
  });
});
