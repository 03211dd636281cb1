/** pino's levels, most severe first; `LOG_LEVEL` takes one of them. */
export const PINO_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevelName = (typeof PINO_LEVELS)[number];

/**
 * `auto`: human-readable lines on a terminal, one JSON object per line otherwise (a pipe, a
 * file, a container runtime's log driver), so log shippers always get JSON.
 */
export type LogFormat = 'auto' | 'json' | 'pretty';
const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

export interface LoggingSettings {
  /** The least severe level written. */
  readonly level: LogLevelName;
  readonly format: LogFormat;
}

// Nest's level names (the former LOG_LEVELS list) and the pino level each stands for.
const NEST_LEVELS: Readonly<Record<string, LogLevelName>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * LOG_LEVEL (a pino level, default `info`) and LOG_FORMAT. LOG_LEVELS, the comma-separated
 * Nest levels the app read before, still works when LOG_LEVEL is unset: pino levels are
 * thresholds rather than sets, so the list maps to its most verbose entry (`error,warn,log`
 * is `info`).
 */
export function parseLoggingSettings(env: NodeJS.ProcessEnv): LoggingSettings {
  return { level: parseLevel(env), format: parseFormat(env.LOG_FORMAT) };
}

function parseLevel(env: NodeJS.ProcessEnv): LogLevelName {
  const raw = env.LOG_LEVEL?.trim();
  if (raw) {
    if (!(PINO_LEVELS as readonly string[]).includes(raw))
      throw new Error(`LOG_LEVEL must be one of ${PINO_LEVELS.join(', ')}, got "${raw}"`);
    return raw as LogLevelName;
  }
  const listed = (env.LOG_LEVELS ?? '')
    .split(',')
    .map((level) => level.trim())
    .filter(Boolean);
  if (listed.length === 0) return 'info';
  const unknown = listed.filter((level) => !Object.hasOwn(NEST_LEVELS, level));
  if (unknown.length > 0) throw new Error(`LOG_LEVELS has unknown levels: ${unknown.join(', ')}`);
  return PINO_LEVELS[Math.max(...listed.map((level) => PINO_LEVELS.indexOf(NEST_LEVELS[level])))];
}

function parseFormat(raw: string | undefined): LogFormat {
  const format = raw?.trim() || 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(format))
    throw new Error(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "${format}"`);
  return format as LogFormat;
}
