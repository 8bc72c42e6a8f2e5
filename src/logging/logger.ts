import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Human-readable lines (pino-pretty, a development dependency) instead of JSON. */
  pretty?: boolean;
}

/**
 * One JSON line per event. Credentials are redacted by path as a second line of defence:
 * the code never passes tokens or passwords to the logger in the first place.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'graphql-auth-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.newPassword',
          '*.currentPassword',
          '*.accessToken',
          '*.refreshToken',
          '*.token',
          '*.code',
        ],
        censor: '[redacted]',
      },
    },
    options.pretty ? prettyStream() : undefined,
  );
}

/** pino-pretty in this thread (no transport worker); JSON when it is not installed (production installs). */
function prettyStream(): DestinationStream | undefined {
  try {
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    return pretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,service,event', singleLine: true, sync: true });
  } catch {
    return undefined;
  }
}
