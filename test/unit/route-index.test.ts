import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ourRoutes, routeIndex } from '../../src/http/route-index.ts';

function routers(): { routers: Router[]; ran: string[] } {
  const ran: string[] = [];
  const account = new Router();
  account.use(async (ctx, next) => { ran.push(`account-mw ${ctx.path}`); await next(); });
  account.get('/account', (ctx) => { ctx.body = 'account'; });
  account.post('/account/sessions/:id/end', (ctx) => { ctx.body = `end ${ctx.params.id}`; });
  const admin = new Router({ prefix: '/admin/api/channels' });
  admin.use(async (ctx, next) => { ran.push(`admin-mw ${ctx.path}`); await next(); });
  admin.get('/', (ctx) => { ctx.body = 'channels'; });
  const nested = new Router();
  nested.use('/interaction/:uid/verify', async (ctx, next) => { ran.push(`verify-mw ${ctx.path}`); await next(); });
  nested.get('/interaction/:uid/verify', (ctx) => { ctx.body = `verify ${ctx.params.uid}`; });
  return { routers: [account, admin, nested], ran };
}

function app(rs: Router[]): Koa {
  const a = new Koa();
  a.use(ourRoutes(rs));
  a.use((ctx) => { ctx.body = `provider ${ctx.path}`; });
  return a;
}

describe('route index', () => {
  it('indexes the first segments of routes and leaves router middleware out', () => {
    expect(routeIndex(routers().routers)).toEqual(new Set(['account', 'admin', 'interaction']));
  });

  it('gives up when a route starts with a parameter', () => {
    const r = new Router();
    r.get('/:tenant/home', (ctx) => { ctx.body = 'x'; });
    expect(routeIndex([...routers().routers, r])).toBeUndefined();
  });

  it('sends other paths straight on, and still serves our routes with their middleware', async () => {
    const { routers: rs, ran } = routers();
    const server = app(rs).callback();
    expect((await request(server).post('/token')).text).toBe('provider /token');
    expect((await request(server).get('/me')).text).toBe('provider /me');
    expect(ran).toEqual([]);
    expect((await request(server).get('/account')).text).toBe('account');
    expect((await request(server).post('/account/sessions/s1/end')).text).toBe('end s1');
    expect((await request(server).get('/admin/api/channels')).text).toBe('channels');
    expect((await request(server).get('/interaction/u1/verify')).text).toBe('verify u1');
    expect(ran).toEqual(['account-mw /account', 'account-mw /account/sessions/s1/end', 'admin-mw /admin/api/channels', 'verify-mw /interaction/u1/verify']);
    // A path under one of our segments that no route has still reaches the provider.
    expect((await request(server).get('/account/nothing-here')).text).toBe('provider /account/nothing-here');
  });
});
