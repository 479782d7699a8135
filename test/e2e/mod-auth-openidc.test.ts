import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasModAuthOpenidc, startApache, type Apache } from '../helpers/apache.ts';
import { launchChromium, passwordLogin } from '../helpers/chromium.ts';
import { person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A stock relying party, Apache's mod_auth_openidc, registered like any platform: no Yihao code.
describe.skipIf(!hasModAuthOpenidc)('Apache mod_auth_openidc as a relying platform', () => {
  let server: TestServer;
  let apache: Apache;
  let browser: Browser;
  const citizen = person();

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.persons.register(citizen);
    apache = await startApache(server.issuer, async (redirectUri) => {
      const { clientId, generatedSecret } = await server.container.clients.add({ client_name: '政务服务网 (Apache)', redirect_uris: [redirectUri] });
      return { clientId, clientSecret: generatedSecret! };
    });
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await apache?.stop();
    await server?.stop();
  });

  it('logs a citizen in through Yihao and serves the protected page with their claims', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${apache.url}/protected/index.html`);
    await expect.poll(() => page.url()).toContain(`${server.issuer}/interaction/`);
    await passwordLogin(page, citizen.idNumber, citizen.password);
    const responded = page.waitForResponse((r) => r.url() === `${apache.url}/protected/index.html` && r.status() === 200, { timeout: 15_000 });
    await page.getByRole('button', { name: '同意并继续' }).click();
    const response = await responded.catch(async (e) => {
      throw new Error(`${(e as Error).message}\nat ${page.url()}\n${(await page.content()).slice(0, 800)}\n${apache.log()}`);
    });
    expect(await page.locator('#ok').textContent()).toBe('protected page');
    // Claims reach the application base64url-encoded (OIDCPassClaimsAs), since names are not ASCII.
    expect(Buffer.from(response.headers()['x-oidc-name'] ?? '', 'base64url').toString('utf8')).toBe(citizen.name);
    await context.close();
  });
});
