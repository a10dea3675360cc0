/**
 * What a database error means for the caller: `unavailable` (the server is down, restarting or
 * unreachable — wait and try again, forever), `conflict` (a concurrent transaction won — try again
 * a few times), or undefined (a real error).
 */
export type DbErrorKind = 'unavailable' | 'conflict';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin_shutdown (server stopped or restarted)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
]);
const CONFLICT_CODES = new Set(['40001', '40P01', '23505', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable|terminating connection|the database system is (starting up|shutting down)|Connection refused|database unreachable/i;

export function dbErrorKind(e: unknown): DbErrorKind | undefined {
  for (let err = e, depth = 0; err && typeof err === 'object' && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return 'unavailable';
      if (CONFLICT_CODES.has(code)) return 'conflict';
    }
    const errors = (err as { errors?: unknown }).errors; // AggregateError (connect to several addresses)
    if (Array.isArray(errors) && errors.some((x) => dbErrorKind(x) === 'unavailable')) return 'unavailable';
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return 'unavailable';
  }
  return undefined;
}

export const isDbUnavailable = (e: unknown): boolean => dbErrorKind(e) === 'unavailable';
