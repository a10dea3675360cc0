/** The express app: health, the platforms' webhooks, the simulator. */
import express, { type Express, type Router } from 'express';

export function createWebApp(routers: Router[]): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  // webhooks parse their own bodies after checking their secret, so no global body parser here
  for (const r of routers) app.use(r);
  return app;
}
