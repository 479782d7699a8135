import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { clientAddressMiddleware, clientAddressResolver, parseProxyTrust, plainAddress, type ProxyTrust } from '../../src/http/client-address.ts';

describe('client address behind proxies', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    const resolve = clientAddressResolver({ hops: 0 });
    expect(resolve('::ffff:203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
  });

  it('takes the entry appended by the nearest trusted hop, never the client-chosen left-most one', () => {
    const one = clientAddressResolver({ hops: 1 });
    expect(one('10.0.0.2', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7');
    expect(one('10.0.0.2', '198.51.100.7')).toBe('198.51.100.7');
    expect(one('10.0.0.2', undefined)).toBe('10.0.0.2');
    const two = clientAddressResolver({ hops: 2 });
    expect(two('10.0.0.3', '6.6.6.6, 198.51.100.7, 10.0.0.2')).toBe('198.51.100.7');
  });

  it('walks from the peer over trusted proxy addresses and ranges to the first untrusted one', () => {
    const resolve = clientAddressResolver({ addresses: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'] });
    expect(resolve('::ffff:127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', '198.51.100.7, fd00::1')).toBe('198.51.100.7');
    // A peer that is not one of our proxies is the client, whatever it claims to forward.
    expect(resolve('198.51.100.8', '6.6.6.6')).toBe('198.51.100.8');
    // Every hop trusted: the left-most entry is all there is.
    expect(resolve('127.0.0.1', '10.0.0.5')).toBe('10.0.0.5');
    expect(plainAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(plainAddress('198.51.100.7:5555')).toBe('198.51.100.7');
  });

  it('reads TRUST_PROXY as hops, booleans for compatibility, or proxy addresses', () => {
    expect(parseProxyTrust('false')).toEqual({ hops: 0 });
    expect(parseProxyTrust('true')).toEqual({ hops: 1 });
    expect(parseProxyTrust('0')).toEqual({ hops: 0 });
    expect(parseProxyTrust('2')).toEqual({ hops: 2 });
    expect(parseProxyTrust('10.0.0.1, 10.1.0.0/16,::1')).toEqual({ addresses: ['10.0.0.1', '10.1.0.0/16', '::1'] });
    expect(parseProxyTrust('proxy.internal')).toBeUndefined();
    expect(parseProxyTrust('10.0.0.0/33')).toBeUndefined();
  });

  it('believes X-Forwarded-Proto and -Host only from a trusted proxy address', async () => {
    const seen = (trust: ProxyTrust) => {
      const app = new Koa({ proxy: true });
      app.use(clientAddressMiddleware(trust));
      app.use((ctx) => { ctx.body = { protocol: ctx.protocol, host: ctx.host, ip: ctx.ip }; });
      return request(app.callback()).get('/').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'evil.example').set('X-Forwarded-For', '198.51.100.7');
    };
    const direct = await seen({ addresses: ['10.0.0.1'] });
    expect(direct.body).toMatchObject({ protocol: 'http', ip: '127.0.0.1' });
    expect(direct.body.host).not.toBe('evil.example');
    const viaProxy = await seen({ addresses: ['127.0.0.1', '::1'] });
    expect(viaProxy.body).toEqual({ protocol: 'https', host: 'evil.example', ip: '198.51.100.7' });
  });
});
