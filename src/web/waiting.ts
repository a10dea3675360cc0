/**
 * While start-up waits for the database: a stand-in server on the app's port, so the process is
 * seen alive (/healthz 200) and not ready (/readyz 503), and webhooks are answered 503 (the
 * platform delivers again later). Closed just before the app listens.
 */
import type { Server } from 'node:http';
import express from 'express';

export async function startWaitingServer(port: number, host: string): Promise<{ close(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use((_req, res) => {
    res.status(503).set('Retry-After', '5').json({ ok: false, database: 'unreachable', error: 'the database is unreachable' });
  });
  const server = await new Promise<Server | undefined>((resolve) => {
    const s = app.listen(port, host, () => resolve(s));
    s.on('error', () => resolve(undefined)); // port taken: start-up goes on without it
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
