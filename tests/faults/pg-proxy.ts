/**
 * A TCP proxy in front of PostgreSQL, so a test can take the database away from the bot and give
 * it back: `block()` refuses new connections, `cut()` drops the open ones, `restore()` lets them
 * through again. With pg_terminate_backend (57P01, what a restart sends) it plays a restart.
 */
import net from 'node:net';

export class PgProxy {
  private server!: net.Server;
  private readonly open = new Set<net.Socket>();
  private blocked = false;
  port = 0;

  private constructor(
    private readonly host: string,
    private readonly upstreamPort: number,
  ) {}

  static async start(upstream: URL): Promise<PgProxy> {
    const p = new PgProxy(upstream.hostname, Number(upstream.port || 5432));
    p.server = net.createServer((client) => p.accept(client));
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  /** The database URL through this proxy. */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private accept(client: net.Socket): void {
    if (this.blocked) {
      client.destroy();
      return;
    }
    const server = net.connect(this.upstreamPort, this.host);
    for (const s of [client, server]) {
      this.open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.open.delete(s);
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    server.pipe(client);
  }

  block(): void {
    this.blocked = true;
  }

  cut(): void {
    for (const s of this.open) s.destroy();
  }

  restore(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.block();
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
