import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on a loopback port in front of a real service (Redis), which a test can cut and
 * restore: a network outage between one instance and that service, while the service itself and
 * everyone else's connections to it stay up.
 */
export class TcpProxy {
  private readonly open = new Set<Socket>();
  private cutOff = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => {
      // Cut: the connection is accepted and dropped at once, as a firewall's reset would.
      if (!proxy || proxy.cutOff) return void client.destroy();
      const upstream = connect(target.port, target.host);
      const pair = [client, upstream];
      for (const s of pair) {
        proxy.open.add(s);
        // Either side ending or failing ends both: no half-open relay outlives the other side.
        s.once('close', () => {
          proxy?.open.delete(s);
          for (const other of pair) other.destroy();
        });
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    proxy = new TcpProxy(server, port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Drops every relayed connection and refuses new ones until `restore`. */
  cut(): void {
    this.cutOff = true;
    for (const s of this.open) s.destroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
