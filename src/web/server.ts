/** The express app: health, metrics, the platforms' webhooks, the simulator. */
import crypto from 'node:crypto';
import express, { type Express, type Router } from 'express';
import type { Metrics } from '../metrics';

export interface WebOptions {
  /** serves GET /metrics (Prometheus text format) */
  metrics?: Metrics;
  /** when set, /metrics answers only "Authorization: Bearer <token>" */
  metricsToken?: string;
  /** readiness: resolves when the bot can take work (its database answers), rejects saying why not */
  ready?: () => Promise<void>;
}

export function createWebApp(routers: Router[], opts: WebOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  // liveness: the process is up and serving (it stays up while the database is away)
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  if (opts.metrics) app.get('/metrics', metricsRoute(opts.metrics, opts.metricsToken));
  // readiness: 503 while the database is unreachable (updates then wait: webhooks answer 503)
  app.get('/readyz', (_req, res) => {
    (opts.ready ?? (async () => undefined))().then(
      () => res.json({ ok: true, database: 'up' }),
      () => res.status(503).json({ ok: false, database: 'unreachable', error: 'the database is unreachable' }),
    );
  });
  // webhooks parse their own bodies after checking their secret, so no global body parser here
  for (const r of routers) app.use(r);
  return app;
}

function metricsRoute(metrics: Metrics, token: string | undefined): express.RequestHandler {
  const expected = token ? crypto.createHash('sha256').update(`Bearer ${token}`).digest() : undefined;
  return (req, res, next) => {
    if (expected) {
      const given = crypto.createHash('sha256').update(req.get('authorization') ?? '').digest();
      if (!crypto.timingSafeEqual(given, expected)) {
        res.status(401).set('www-authenticate', 'Bearer').end();
        return;
      }
    }
    metrics
      .render()
      .then(({ contentType, body }) => res.type(contentType).send(body))
      .catch(next);
  };
}
