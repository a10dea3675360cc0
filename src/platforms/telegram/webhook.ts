/**
 * The webhook route. The secret header is checked (constant time) before the body is read, so a
 * stranger's request costs nothing and reaches nothing. Mount the router BEFORE any app-wide body
 * parser (express.json()), or the body will have been read before the check.
 */
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Update } from 'grammy/types';
import type { Logger } from '../../logger';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
const OK_BODY = JSON.stringify({ ok: true });

/** Constant-time comparison of two strings of any length (hashing first equalises the lengths). */
export function secretMatches(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, expectedDigest(expected));
}

/** the expected secret's hash, kept for the secret last asked about (it rarely changes) */
let lastExpected: { secret: string; digest: Buffer } | undefined;
function expectedDigest(secret: string): Buffer {
  if (lastExpected?.secret !== secret) lastExpected = { secret, digest: crypto.createHash('sha256').update(secret).digest() };
  return lastExpected.digest;
}

/** Just enough shape to trust: an object with a numeric update_id (a whole number, not negative). */
export function isUpdateShape(body: unknown): body is Update {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const id = (body as { update_id?: unknown }).update_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}

export interface WebhookRouteOptions {
  path: string;
  /** undefined → the route answers 404 (polling mode) */
  secret: () => string | undefined;
  /** stores (durable inbound) or handles one update; throws only when it could not be stored */
  handle: (update: Update) => Promise<void>;
  log: Logger;
}

export function createWebhookRouter(opts: WebhookRouteOptions): Router {
  const router = express.Router();
  const checkSecret = (req: Request, res: Response, next: NextFunction): void => {
    const secret = opts.secret();
    if (secret === undefined) {
      res.status(404).end();
      return;
    }
    if (!secretMatches(req.get(SECRET_HEADER), secret)) {
      opts.log.warn({ ip: req.ip }, 'telegram webhook: missing or wrong secret token');
      res.status(401).json({ ok: false });
      return;
    }
    next();
  };
  router.post(opts.path, checkSecret, express.json({ limit: '1mb' }), (req: Request, res: Response) => {
    if (!isUpdateShape(req.body)) {
      opts.log.warn('telegram webhook: body is not an update');
      res.status(400).json({ ok: false });
      return;
    }
    const update = req.body as Update;
    // 200 only once the update is stored (durable inbound) or handled; a handling failure was
    // apologised for and is not thrown. A throw means it could not be stored (the database is
    // unreachable): 503, and Telegram delivers it again later.
    opts.handle(update).then(
      () => {
        // the fixed answer as it is (express's json() would serialise it and hash an ETag each time)
        if (!res.headersSent) res.status(200).set('content-type', 'application/json; charset=utf-8').end(OK_BODY);
      },
      (e: unknown) => {
        opts.log.warn({ updateId: update.update_id, error: e instanceof Error ? ((e as { code?: string }).code ?? e.name) : 'unknown' }, 'telegram webhook: update not stored; answered 503');
        if (!res.headersSent) res.status(503).set('Retry-After', '5').json({ ok: false });
      },
    );
  });
  // express.json's errors, answered without a stack trace: over the limit → 413, not JSON → 400
  router.use(opts.path, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const tooLarge = (err as { status?: unknown } | null)?.status === 413;
    if (tooLarge) opts.log.warn('telegram webhook: body over the size limit');
    res.status(tooLarge ? 413 : 400).json({ ok: false });
  });
  return router;
}
