import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ourRouters } from '../../src/app.ts';
import { routeIndex } from '../../src/http/route-index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(() => server?.stop());

describe("the service's own routes", () => {
  // Without an index every token, userinfo and introspection request walks all our routers first.
  it('can be told from the first path segment, and none is a provider endpoint', () => {
    const index = routeIndex(ourRouters(server.container));
    expect(index).toBeDefined();
    expect(index).toContain('account');
    expect(index).toContain('interaction');
    for (const provider of ['token', 'me', 'jwks', 'auth', 'session', 'request', '.well-known']) expect(index).not.toContain(provider);
  });
});
