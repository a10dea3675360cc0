/**
 * Structured logging. Personal data (names, phone numbers, message text) never goes into logs:
 * log ids and counts, and rely on the redaction list below as a second line of defence.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: ['*.text', '*.phone', '*.displayName', '*.display_name', '*.name', '*.token', 'text', 'phone', 'token'],
      censor: '[redacted]',
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
