/**
 * Structured logging. Personal data (names, phone numbers, message text) never goes into logs:
 * log ids and counts, and rely on the redaction list below as a second line of defence.
 * Errors are serialized by `safeError`: name, code, message and stack, never a driver's `detail`
 * (PostgreSQL puts the offending key values there: "Key (phone)=(0912…) already exists").
 */
import pino from 'pino';

export type Logger = pino.Logger;

/** The fields of an error that are safe to log: what it is and where, never the data involved. */
export function safeError(e: unknown): unknown {
  // a string or number the caller chose to log (an error's name, a code) stays as it is
  if (typeof e !== 'object' || e === null) return e;
  // duck-typed: an error made in another realm (a native module's class, a vm context) is no `instanceof Error`
  const like = e as { name?: unknown; message?: unknown };
  if (!(e instanceof Error) && !(typeof like.name === 'string' && typeof like.message === 'string')) {
    return { type: (e as object).constructor?.name ?? 'object' };
  }
  const x = e as Error & { code?: unknown; constraint?: unknown; table?: unknown; column?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: x.name, message: x.message.slice(0, 300) };
  if (typeof x.code === 'string' || typeof x.code === 'number') out.code = x.code;
  // schema names only: which constraint, table and column, not the values
  for (const k of ['constraint', 'table', 'column'] as const) if (typeof x[k] === 'string') out[k] = x[k];
  if (x.stack) out.stack = x.stack;
  if (x.cause !== undefined) out.cause = safeError(x.cause);
  return out;
}

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    serializers: { err: safeError, error: safeError },
    redact: {
      paths: ['*.text', '*.phone', '*.displayName', '*.display_name', '*.name', '*.token', 'text', 'phone', 'token', '*.detail', 'detail'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });
