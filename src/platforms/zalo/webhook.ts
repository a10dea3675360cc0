/**
 * The Zalo webhook route (research/zalo.md §2.6).
 *
 * Order matters: the `X-Bot-Api-Secret-Token` header is checked (constant time) BEFORE the body is
 * read, so an unauthenticated caller costs nothing and reaches nothing. The route reads its own raw
 * body: mount it before any global `express.json()` (if a global parser ran first, the already
 * parsed body is used, but then the body was read before the secret check).
 *
 * Answers: wrong or missing secret → 401; a body that is not application/json → 415; over the
 * limit → 413; empty body → 200 no-op; malformed JSON → 400; an update → 200 once it is stored
 * (durable inbound; 503 when the database is unreachable), or, without durable inbound, 200 at once
 * and handled after the answer. Bodies that are not updates are acknowledged and ignored.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type NextFunction } from 'express';
import type { Logger } from '../../logger';
import { silentLogger } from '../../logger';
import { parseWebhookBody, type ZaloUpdate } from './update';

export const ZALO_SECRET_HEADER = 'x-bot-api-secret-token';
export const ZALO_WEBHOOK_PATH = '/webhook/zalo';

export interface ZaloWebhookOptions {
  /** the `secret_token` given to setWebhook */
  secret: string;
  /** called for each update after the HTTP answer has gone */
  onUpdate: (update: ZaloUpdate) => Promise<void>;
  log?: Logger;
  /** route path inside the router (default /webhook/zalo) */
  path?: string;
  /** body size limit (default 1mb) */
  limit?: string;
  /**
   * durable inbound: `onUpdate` stores the update, and the route answers 200 only once it is
   * stored (503 when it could not be, so Zalo may try again); otherwise the route answers at once
   * and handles the update after the answer
   */
  durable?: boolean;
}

export interface ZaloWebhook {
  /** an express Router serving `POST <path>` */
  router: express.Router;
  /** the same as middleware, to mount at a path of your choice: `app.post('/x', ...webhook.handlers)` */
  handlers: RequestHandler[];
  /** resolves when every accepted update has been handled (tests, graceful shutdown) */
  idle(): Promise<void>;
}

/** Answers a body parser's error: 413 when the body is over the limit, else 400 (no stack trace). */
export function bodyErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const status = (err as { status?: unknown } | null)?.status === 413 ? 413 : 400;
  res.status(status).json({ ok: false, error_code: status, description: status === 413 ? 'Payload Too Large' : 'Bad Request' });
}

/** Constant-time comparison of two secrets of any length. */
export function secretMatches(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given === '' || expected === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function createZaloWebhook(opts: ZaloWebhookOptions): ZaloWebhook {
  if (!opts.secret || opts.secret.length < 8) throw new Error('Zalo webhook: the secret must have at least 8 characters');
  const log = opts.log ?? silentLogger;
  const pending = new Set<Promise<void>>();

  const checkSecret: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers[ZALO_SECRET_HEADER];
    const given = Array.isArray(header) ? header[0] : header;
    if (!secretMatches(given, opts.secret)) {
      log.warn({ hasHeader: given !== undefined }, 'zalo webhook: rejected a request with a missing or wrong secret');
      res.status(401).json({ ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    next();
  };

  // Zalo pushes application/json; anything else with a body is refused before it is read
  const requireJson: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const empty = req.headers['content-length'] === '0';
    if (!empty && req.is('application/json') === false) {
      log.warn({ contentType: (req.get('content-type') ?? '').slice(0, 60) }, 'zalo webhook: refused a body that is not application/json');
      res.status(415).json({ ok: false, error_code: 415, description: 'Unsupported Media Type' });
      return;
    }
    next();
  };

  const readBody = express.raw({ type: () => true, limit: opts.limit ?? '1mb' });

  const handle: RequestHandler = (req: Request, res: Response) => {
    let json: unknown;
    const body: unknown = req.body;
    if (Buffer.isBuffer(body) || typeof body === 'string') {
      const s = (Buffer.isBuffer(body) ? body.toString('utf8') : body).replace(/^\uFEFF/, '');
      if (s.trim() === '') json = undefined;
      else {
        try {
          json = JSON.parse(s);
        } catch {
          // no body content in the log: it may hold names and messages
          log.warn({ bytes: Buffer.byteLength(s) }, 'zalo webhook: malformed JSON body');
          res.status(400).json({ ok: false, error_code: 400, description: 'Bad Request' });
          return;
        }
      }
    } else {
      json = body; // parsed by an earlier parser, or no body at all
    }

    const parsed = parseWebhookBody(json);
    if (opts.durable && parsed.kind === 'update') {
      const update = parsed.update;
      opts.onUpdate(update).then(
        () => res.status(200).json({ ok: true }),
        (e: unknown) => {
          log.warn({ eventName: update.event_name, error: e instanceof Error ? ((e as { code?: string }).code ?? e.name) : 'unknown' }, 'zalo webhook: update not stored; answered 503');
          res.status(503).set('Retry-After', '5').json({ ok: false, error_code: 503, description: 'Service Unavailable' });
        },
      );
      return;
    }
    res.status(200).json({ ok: true });
    if (parsed.kind === 'empty') return;
    if (parsed.kind === 'ignored') {
      log.info({ reason: parsed.reason }, 'zalo webhook: body ignored');
      return;
    }
    const update = parsed.update;
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => opts.onUpdate(update))
      .catch((e: unknown) =>
        log.error(
          { eventName: update.event_name, messageId: update.message.message_id, error: e instanceof Error ? e.name : 'unknown' },
          'zalo webhook: handling an update failed',
        ),
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const handlers = [checkSecret, requireJson, readBody, handle];
  const router = express.Router();
  router.post(opts.path ?? ZALO_WEBHOOK_PATH, ...handlers);
  // the body reader's errors: too large → 413, unreadable → 400; never a stack trace
  router.use(opts.path ?? ZALO_WEBHOOK_PATH, bodyErrorHandler);

  return {
    router,
    handlers,
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
