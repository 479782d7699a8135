import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { idNumber, PASSWORD, phone } from '../helpers/identities.ts';
import { consentIfAsked, loginThrough, loginToPage, registerPlatform, type Platform } from '../helpers/platform.ts';
import { addPair, registerFixture, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

// A platform's registered minimum is a floor: the authorization URL is in the user agent's hands,
// so acr_values can raise it but never lower it. Driven by openid-client as a stock platform.
let w: VerificationWorld;
let l3ByDefaults: Platform;
let l2ByMinimum: Platform;

const LOA = (n: number) => `urn:yihao:loa:${n}`;

beforeAll(async () => {
  w = await startVerificationWorld();
  for (const kind of ['population', 'face', 'bank_card'] as const) await addPair(w, kind);
  l3ByDefaults = await registerPlatform(w.c, w.server.issuer, { default_acr_values: [LOA(3)] });
  l2ByMinimum = await registerPlatform(w.c, w.server.issuer, { minimum_acr: LOA(2) });
});
afterAll(() => w?.stop());

const login = (ua: UserAgent, url: string, identifier: string) => loginToPage(ua, url, identifier, PASSWORD);

const through = consentIfAsked;

describe('a platform registered at L3 (default_acr_values)', () => {
  it.each([
    ['acr_values=L1', { acr_values: LOA(1) }],
    ['acr_values=garbage', { acr_values: 'anything' }],
    ['acr_values=L1 plus garbage', { acr_values: `${LOA(1)} urn:other:low` }],
    ['an essential acr of L1', { claims: JSON.stringify({ id_token: { acr: { essential: true, values: [LOA(1)] } } }) }],
    ['no acr_values', {}],
  ])('%s: the step-up to L3 runs, and declining it gives access_denied, never an L1 token', async (_name, params: Record<string, string>) => {
    const mobile = phone();
    expect(await w.c.persons.register({ name: '张三', idNumber: idNumber(), phone: mobile, password: PASSWORD })).toMatchObject({ ok: true, created: true });
    const ua = new UserAgent(w.server.issuer);
    const started = await l3ByDefaults.authorize(params);
    const verify = await login(ua, started.url, mobile);
    expect(verify.url).toMatch(/\/interaction\/[^/]+\/verify$/);
    expect(verify.html).toContain('第 1 步，共 2 步');
    const declined = await ua.submit(verify, '/verify/cancel');
    await expect(l3ByDefaults.finish((declined as { redirect: string }).redirect, started)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('prompt=none with acr_values=L1 on an L1 session: interaction_required, not a token', async () => {
    const { fixture } = await registerFixture(w.c, '李娜');
    const ua = new UserAgent(w.server.issuer);
    const plain = await registerPlatform(w.c, w.server.issuer);
    const first = await plain.authorize();
    expect((await plain.finish(await loginThrough(ua, first.url, fixture.idNumber, PASSWORD), first)).claims()).toMatchObject({ acr: LOA(1) });
    const silent = await l3ByDefaults.authorize({ prompt: 'none', acr_values: LOA(1) });
    await expect(l3ByDefaults.finish(await ua.redirect(silent.url), silent)).rejects.toMatchObject({ error: 'interaction_required' });
  });
});

describe('a platform registered with minimum_acr L2', () => {
  it('acr_values=L1: the population check runs and the ID token says L2', async () => {
    const { fixture } = await registerFixture(w.c, '王芳');
    const ua = new UserAgent(w.server.issuer);
    const started = await l2ByMinimum.authorize({ acr_values: LOA(1) });
    const verify = await login(ua, started.url, fixture.idNumber);
    expect(verify.html).toContain('公安人口库核验');
    const tokens = await l2ByMinimum.finish(await through(ua, await ua.submit(verify, '/check/population')), started);
    expect(tokens.claims()).toMatchObject({ acr: LOA(2), assurance_level: 'L2' });

    // The same SSO session, asked again with a lower level: still L2, no step-up.
    const again = await l2ByMinimum.authorize({ acr_values: LOA(1) });
    expect((await l2ByMinimum.finish(await ua.redirect(again.url), again)).claims()).toMatchObject({ acr: LOA(2) });
  });

  it('a request raising above the floor (L3) gets the two steps to L3', async () => {
    const { fixture } = await registerFixture(w.c, '刘洋');
    const ua = new UserAgent(w.server.issuer);
    const started = await l2ByMinimum.authorize({ acr_values: LOA(3) });
    const verify = await login(ua, started.url, fixture.idNumber);
    expect(verify.html).toContain('第 1 步，共 2 步');
  });

  it('a minimum_acr naming no level of ours is refused at registration', async () => {
    await expect(registerPlatform(w.c, w.server.issuer, { minimum_acr: 'urn:other:loa:3' })).rejects.toMatchObject({ code: 'client.invalid_metadata' });
    await expect(registerPlatform(w.c, w.server.issuer, { minimum_acr: 3 })).rejects.toMatchObject({ code: 'client.invalid_metadata' });
  });
});
