/**
 * A TCP proxy between the service and PostgreSQL, to simulate outages without touching the shared
 * server: `refuse()` drops every connection and stops listening (connection refused),
 * `blackhole()` drops every connection and then accepts new ones but never answers, `freeze()`
 * keeps every connection open but forwards nothing more (a server that hangs), `pass()` forwards
 * again.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  pass(): Promise<void>;
  refuse(): Promise<void>;
  blackhole(): Promise<void>;
  freeze(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'pass' | 'blackhole' = 'pass';
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); };
  const dropAll = () => { for (const s of sockets) s.destroy(); };
  const pairs = new Set<[net.Socket, net.Socket]>();

  let server: net.Server;
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server = net.createServer((client) => {
      track(client);
      if (mode === 'blackhole') return; // hold the socket, say nothing
      const upstream = net.connect(target.port, target.host);
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      pairs.add(pair);
      client.once('close', () => pairs.delete(pair));
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  const port = await listen(0);
  return {
    port,
    async pass() {
      mode = 'pass';
      dropAll(); // frozen connections are beyond saving
      if (!server.listening) await listen(port);
    },
    async refuse() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
    async blackhole() {
      mode = 'blackhole';
      dropAll();
      if (!server.listening) await listen(port);
    },
    freeze() {
      mode = 'blackhole';
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async close() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
