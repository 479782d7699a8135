/**
 * Sandbox authority server: speaks every channel kind's wire protocol (PROTOCOLS.md) over plain
 * node:http with seeded fictitious identities, and takes faults over an admin endpoint.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ChannelKind } from '../verification/channel.ts';
import { kindForPath, PROTOCOL } from '../verification/protocol.ts';
import { MAX_SKEW_MS, SIGNATURE_HEADERS, signatureMatches } from '../verification/signing.ts';
import { SandboxAuthority } from './authorities.ts';
import { FaultBook, faultInputSchema } from './faults.ts';
import { loadFixtures, type SandboxFixtures } from './fixtures.ts';

export interface SandboxApp { appId: string; secret: string }

export interface SandboxServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Bearer token for /_admin; generated when absent. */
  adminToken?: string;
  /** Credentials the sandbox accepts; defaults to fixtures.apps. */
  apps?: SandboxApp[];
  fixtures?: SandboxFixtures;
  /** Clock for timestamp checks. */
  now?: () => number;
}

export interface SandboxRequestLog {
  at: string;
  kind: ChannelKind;
  appId: string | null;
  /** HTTP status answered, or 'destroyed' for the down fault. */
  outcome: number | 'destroyed';
  fault: string | null;
}

export interface SandboxServer {
  url: string;
  port: number;
  adminToken: string;
  apps: readonly SandboxApp[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOG_LIMIT = 1_000;
const appSchema = z.object({ appId: z.string().min(1).max(128), secret: z.string().min(8).max(512) });

class HttpFailure extends Error {
  constructor(readonly status: number, readonly error: string) {
    super(error);
  }
}

export async function createSandboxServer(opts: SandboxServerOptions = {}): Promise<SandboxServer> {
  const fixtures = opts.fixtures ?? loadFixtures();
  const now = opts.now ?? Date.now;
  const adminToken = opts.adminToken ?? randomBytes(24).toString('hex');
  const initialApps = opts.apps ?? fixtures.apps;
  const apps = new Map(initialApps.map((a) => [a.appId, a.secret]));
  const authority = new SandboxAuthority(fixtures);
  const faults = new FaultBook();
  const nonces = new Map<string, number>(); // appId:nonce -> expiry
  let lastSweep = now();
  let log: SandboxRequestLog[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => (timers.delete(t), resolve()), ms);
      timers.add(t);
    });

  function record(entry: Omit<SandboxRequestLog, 'at'>): void {
    log.push({ at: new Date().toISOString(), ...entry });
    if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT);
  }

  function authenticate(req: IncomingMessage, path: string, body: Buffer): string {
    const h = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const appId = h(SIGNATURE_HEADERS.appId);
    const timestamp = h(SIGNATURE_HEADERS.timestamp);
    const nonce = h(SIGNATURE_HEADERS.nonce);
    const signature = h(SIGNATURE_HEADERS.signature);
    if (!appId || !timestamp || !nonce || !signature) throw new HttpFailure(401, 'missing_signature');
    const secret = apps.get(appId);
    if (!secret) throw new HttpFailure(401, 'unknown_app');
    const t = Number(timestamp);
    if (!/^\d{1,16}$/.test(timestamp) || Math.abs(now() - t) > MAX_SKEW_MS) throw new HttpFailure(401, 'stale_timestamp');
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) throw new HttpFailure(401, 'invalid_nonce');
    if (!signatureMatches(secret, { method: req.method ?? '', path, timestamp, nonce, body }, signature)) {
      throw new HttpFailure(401, 'invalid_signature');
    }
    if (now() - lastSweep > 60_000) {
      for (const [k, exp] of nonces) if (exp < now()) nonces.delete(k);
      lastSweep = now();
    }
    const key = `${appId}:${nonce}`;
    if (nonces.has(key)) throw new HttpFailure(401, 'replayed_nonce');
    // A nonce must be remembered as long as its timestamp could still pass the skew check.
    nonces.set(key, t + MAX_SKEW_MS);
    return appId;
  }

  async function handleChannel(req: IncomingMessage, res: ServerResponse, kind: ChannelKind, path: string) {
    const claimedApp = typeof req.headers[SIGNATURE_HEADERS.appId] === 'string' ? String(req.headers[SIGNATURE_HEADERS.appId]) : null;
    const fault = faults.take(kind, claimedApp ?? undefined);
    if (fault?.mode === 'down') {
      record({ kind, appId: claimedApp, outcome: 'destroyed', fault: 'down' });
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    if (fault?.mode === 'slow') await delay(fault.delayMs);
    if (res.destroyed) return;
    let status = 200;
    try {
      if (fault?.mode === 'error') throw new HttpFailure(fault.status, 'internal_error');
      if (fault?.mode === 'malformed') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"result":"perhaps","referenceId":42,'); // wrong shape and truncated
        return;
      }
      const appId = authenticate(req, path, body);
      const parsed = PROTOCOL[kind].request.safeParse(safeJson(body));
      if (!parsed.success) throw new HttpFailure(400, 'invalid_request');
      sendJson(res, 200, authority.handle(kind, parsed.data, appId));
    } catch (err) {
      if (!(err instanceof HttpFailure)) throw err;
      status = err.status;
      sendJson(res, err.status, { error: err.error });
    } finally {
      record({ kind, appId: claimedApp, outcome: status, fault: fault?.mode ?? null });
    }
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (!adminAuthorized(req.headers.authorization, adminToken)) throw new HttpFailure(401, 'admin_token_required');
    const route = `${req.method} ${url.pathname}`;
    const sms = /^\/_admin\/sms\/(\d{11})$/.exec(url.pathname);
    if (req.method === 'GET' && sms) {
      const message = authority.lastSms(sms[1] ?? '');
      return message ? sendJson(res, 200, message) : sendJson(res, 404, { error: 'no_message' });
    }
    switch (route) {
      case 'POST /_admin/faults': {
        const input = faultInputSchema.safeParse(safeJson(await readBody(req)));
        if (!input.success) throw new HttpFailure(400, 'invalid_request');
        return sendJson(res, 200, { rule: faults.set(input.data), faults: faults.list() });
      }
      case 'GET /_admin/faults':
        return sendJson(res, 200, { faults: faults.list() });
      case 'POST /_admin/reset':
        faults.clear();
        authority.reset();
        nonces.clear();
        log = [];
        return sendJson(res, 200, { ok: true });
      case 'GET /_admin/requests': {
        const kind = url.searchParams.get('kind');
        const appId = url.searchParams.get('appId');
        const requests = log.filter((r) => (!kind || r.kind === kind) && (!appId || r.appId === appId));
        return sendJson(res, 200, { requests });
      }
      case 'GET /_admin/attestations':
        return sendJson(res, 200, { attestations: authority.attestations });
      case 'POST /_admin/apps': {
        // Lets an administrator point a newly configured channel at the sandbox without a restart.
        const app = appSchema.safeParse(safeJson(await readBody(req)));
        if (!app.success) throw new HttpFailure(400, 'invalid_request');
        apps.set(app.data.appId, app.data.secret);
        return sendJson(res, 200, { appId: app.data.appId });
      }
      default:
        throw new HttpFailure(404, 'not_found');
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const kind = kindForPath(url.pathname);
    const work =
      url.pathname.startsWith('/_admin/')
        ? handleAdmin(req, res, url)
        : req.method === 'POST' && kind
          ? handleChannel(req, res, kind, url.pathname + url.search)
          : req.method === 'GET' && url.pathname === '/healthz'
            ? Promise.resolve(sendJson(res, 200, { status: 'ok' }))
            : Promise.reject(new HttpFailure(404, 'not_found'));
    work.catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpFailure) sendJson(res, err.status, { error: err.error });
      else sendJson(res, 500, { error: 'internal_error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    adminToken,
    apps: initialApps,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpFailure(413, 'body_too_large'));
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function adminAuthorized(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7) : '';
  // Compare digests so that the comparison is constant-time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return given.length > 0 && timingSafeEqual(digest(given), digest(token));
}
