/** The express app: health, the platforms' webhooks, the simulator. */
import express, { type Express, type Router } from 'express';

export interface WebOptions {
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
