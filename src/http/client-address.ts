/**
 * Which address a request comes from, behind proxies we trust. A client can put anything in
 * X-Forwarded-For; each proxy appends the address it received the request from. So the client
 * is the right-most entry not written by one of our proxies:
 *   - `{ hops: n }`: the last n entries were appended by our n proxies' chain (the peer is the
 *     last proxy); the client is the n-th entry from the right.
 *   - `{ addresses }`: walk from the peer leftwards while the address is a trusted proxy; the
 *     first untrusted one is the client.
 * The left-most entry is never believed unless every proxy in front of it is trusted.
 */
import { BlockList, isIP } from 'node:net';
import type { Middleware } from 'koa';

export type ProxyTrust = { hops: number } | { addresses: string[] };

/** `::ffff:10.0.0.1` is 10.0.0.1; brackets and ports that some proxies add are dropped. */
export function plainAddress(raw: string): string {
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a.toLowerCase();
}

/** A matcher for trusted proxy addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`). */
export function trustedSet(addresses: string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of addresses) {
    const [addr, bits] = entry.split('/');
    const family = isIP(addr ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, family);
    else list.addSubnet(addr!, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** The resolver of client addresses for `trust`: (peer address, X-Forwarded-For) → client. */
export function clientAddressResolver(trust: ProxyTrust): (peer: string, forwardedFor: string | undefined) => string {
  const trusted = 'addresses' in trust ? trustedSet(trust.addresses) : undefined;
  return (peer, forwardedFor) => {
    const remote = plainAddress(peer);
    const chain = (forwardedFor ?? '').split(',').map(plainAddress).filter(Boolean);
    if (!trusted) {
      const { hops } = trust as { hops: number };
      if (hops === 0 || chain.length === 0) return remote;
      return chain[Math.max(0, chain.length - hops)]!;
    }
    let client = remote;
    for (let i = chain.length - 1; i >= 0 && trusted(client); i--) client = chain[i]!;
    return client;
  };
}

/**
 * Sets `ctx.ip` (what clientIp, the audit trail and every per-IP limit read) for each request.
 * With trusted proxy addresses, X-Forwarded-Proto and X-Forwarded-Host are dropped unless the
 * peer is one of them: koa and the provider build the issuer's URLs from those headers, and a
 * caller reaching the server directly must not choose them.
 */
export function clientAddressMiddleware(trust: ProxyTrust): Middleware {
  const resolve = clientAddressResolver(trust);
  const trusted = 'addresses' in trust ? trustedSet(trust.addresses) : undefined;
  return async (ctx, next) => {
    const peer = ctx.req.socket.remoteAddress ?? '';
    if (trusted && !trusted(plainAddress(peer))) {
      delete ctx.req.headers['x-forwarded-proto'];
      delete ctx.req.headers['x-forwarded-host'];
    }
    ctx.request.ip = resolve(peer, ctx.get('X-Forwarded-For') || undefined);
    await next();
  };
}

/**
 * TRUST_PROXY: `false`/`0` none, `true` one proxy, `n` a chain of n proxies, or the proxies'
 * addresses / CIDR ranges (comma-separated). undefined when it is none of these.
 */
export function parseProxyTrust(value: string): ProxyTrust | undefined {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === 'no') return { hops: 0 };
  if (v === 'true' || v === 'yes') return { hops: 1 };
  if (/^\d+$/.test(v)) return Number(v) <= 32 ? { hops: Number(v) } : undefined;
  const addresses = v.split(',').map((a) => a.trim()).filter(Boolean);
  return addresses.length > 0 && addresses.every(validAddressOrRange) ? { addresses } : undefined;
}

export function validAddressOrRange(a: string): boolean {
  const [addr, bits, extra] = a.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}
