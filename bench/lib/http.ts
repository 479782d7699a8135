/**
 * A minimal HTTP/1.1 client for load chains: one kept-alive socket per Conn (so every request of a
 * chain reaches the same server process, which the bare in-memory provider needs) and a cookie jar.
 */
import http from 'node:http';

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

export class Conn {
  readonly cookies = new Map<string, string>();
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 60_000 });
  readonly #host: string;
  readonly #port: number;

  constructor(readonly origin: string) {
    const u = new URL(origin);
    this.#host = u.hostname;
    this.#port = Number(u.port);
  }

  request(method: string, path: string, opts: { headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<Reply> {
    const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
    const headers: Record<string, string> = { ...opts.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.request({ agent: this.#agent, host: this.#host, port: this.#port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          this.#store(res.headers['set-cookie']);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  #store(lines: string[] | undefined): void {
    for (const line of lines ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || (/expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  close(): void { this.#agent.destroy(); }
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Path and query of a Location header relative to `origin`, or the absolute URL when it leaves. */
export function location(reply: Reply, origin: string): URL {
  const loc = reply.headers.location;
  if (!loc) throw new Error(`expected a redirect, got ${reply.status}: ${reply.body.slice(0, 200)}`);
  return new URL(loc, origin);
}
