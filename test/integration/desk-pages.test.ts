import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/error-codes.ts';
import { PAGE_CSP } from '../../src/http/pages.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { principal, startDeskConsole, type DeskConsole } from '../helpers/desk-console.ts';
import { person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let desk: DeskConsole;
const clerk = person();
const citizen = person();
const representative = person();
const ids: Record<string, string> = {};
const masked = (n: string) => `${n.slice(0, 4)}**********${n.slice(-4)}`;
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

beforeAll(async () => {
  server = await startTestServer();
  for (const [k, p] of Object.entries({ clerk, citizen, representative })) {
    const r = await server.container.persons.register(p);
    if (!r.ok || !r.personId) throw new Error('seed failed');
    ids[k] = r.personId;
  }
  desk = await startDeskConsole(server.container);
});
afterAll(async () => { await desk?.close(); await server?.stop(); });

/** A signed-in browser: its cookies, and the CSRF token of the desk's first page. */
async function session(...roles: Parameters<typeof principal>[1][]) {
  desk.signedIn = principal(ids.clerk!, ...roles);
  const agent = request.agent(desk.url);
  const first = await agent.get('/admin/console/counter').set('accept', 'text/html');
  return { agent, csrf: first.status === 200 ? csrfOf(first.text) : '' };
}

const identityForm = (csrf: string, cardNumber: string, extra: Record<string, string> = {}) => ({
  _csrf: csrf, cardNumber, documentType: 'resident_id_card', hall: '包头市政务服务中心', reference: 'BT-77', confirm: 'yes', ...extra,
});

describe('the counter desk pages', () => {
  it('answer only counter operators', async () => {
    desk.signedIn = undefined;
    expect((await request(desk.url).get('/admin/console/counter').set('accept', 'text/html')).status).toBe(401);
    // A token and its cookie from a counter operator's page, then another role in the same browser.
    const { agent, csrf } = await session('counter_operator');
    for (const role of ['auditor', 'security_admin', 'system_admin', 'platform_manager'] as const) {
      desk.signedIn = principal(ids.clerk!, role);
      const page = await agent.get('/admin/console/counter').set('accept', 'text/html');
      expect(page.status).toBe(403);
      expect(page.text).toContain('您的管理角色无权执行此操作');
      const lookup = await agent.post('/admin/console/counter/lookup').type('form').send({ _csrf: csrf, idNumber: citizen.idNumber });
      expect(lookup.status).toBe(403);
      expect(lookup.text).toContain('您的管理角色无权执行此操作');
      const act = await agent.post(`/admin/console/counter/persons/${ids.citizen}/identity`).type('form').send(identityForm(csrf, citizen.idNumber));
      expect(act.status).toBe(403);
    }
    expect(await server.container.db.knex('counter_checks')).toHaveLength(0);
    expect(await server.container.db.knex('audit_events').where({ action: 'counter.lookup' })).toHaveLength(0);
  });

  it('refuse a form without the CSRF token or from another origin', async () => {
    const { agent, csrf } = await session('counter_operator');
    expect((await agent.post('/admin/console/counter/lookup').type('form').send({ idNumber: citizen.idNumber })).status).toBe(403);
    const foreign = await agent.post('/admin/console/counter/lookup').set('origin', 'https://evil.example').type('form').send({ _csrf: csrf, idNumber: citizen.idNumber });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toContain(ERROR_CODES['origin.foreign'][1]);
    expect(await server.container.db.knex('audit_events').where({ action: 'counter.lookup' })).toHaveLength(0);
  });

  it('look up a citizen by ID number and show the account masked, with the strict page policy', async () => {
    const { agent, csrf } = await session('counter_operator');
    const page = await agent.post('/admin/console/counter/lookup').set('accept', 'text/html').type('form').send({ _csrf: csrf, idNumber: citizen.idNumber });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain(masked(citizen.idNumber));
    expect(page.text).not.toContain(citizen.idNumber);
    expect(page.text).toContain(`/admin/console/counter/persons/${ids.citizen}/identity`);
    expect(page.text).toContain(`/admin/console/counter/persons/${ids.citizen}/reclaim`);
    const none = await agent.post('/admin/console/counter/lookup').set('accept', 'text/html').type('form').send({ _csrf: csrf, idNumber: '11010519491231002X' });
    expect(none.text).toContain('该证件号码没有注册账号');
    const english = await agent.post('/admin/console/counter/lookup?lang=en').set('accept', 'text/html').type('form').send({ _csrf: csrf, idNumber: 'not a number' });
    expect(english.status).toBe(400);
    expect(english.text).toContain('Counter desk');
  });

  it('record an in-person check only when confirmed and with the account\'s card', async () => {
    const { agent, csrf } = await session('counter_operator');
    const path = `/admin/console/counter/persons/${ids.citizen}/identity`;
    const unconfirmed = await agent.post(path).set('accept', 'text/html').type('form').send(identityForm(csrf, citizen.idNumber, { confirm: '' }));
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('请核对原件并勾选确认后再提交');
    const mismatch = await agent.post(path).set('accept', 'text/html').type('form').send(identityForm(csrf, representative.idNumber));
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('所持证件号码与该账号的证件号码不一致');
    expect(mismatch.text).not.toContain(representative.idNumber);
    expect(await server.container.db.knex('counter_checks').where({ person_id: ids.citizen })).toHaveLength(0);

    const done = await agent.post(path).set('user-agent', 'CounterBrowser/2.0').type('form').send(identityForm(csrf, citizen.idNumber));
    expect(done.status).toBe(303);
    expect(done.headers.location).toMatch(/^\/admin\/console\/counter\/checks\/[0-9a-f-]{36}$/);
    const check = await agent.get(done.headers.location!).set('accept', 'text/html');
    expect(check.status).toBe(200);
    expect(check.text).toContain('四级（窗口现场核验）');
    expect(check.text).toContain('包头市政务服务中心');
    expect(check.text).toContain('BT-77');
    expect((await server.container.verification.assurance.levelOf(ids.citizen!)).level.id).toBe('L4');
    const [audited] = await server.container.db.knex('audit_events').where({ action: 'counter.identity_checked' });
    expect(audited).toMatchObject({ actor: `person:${ids.clerk}`, target: ids.citizen });
    expect(audited.detail).toMatchObject({ hall: '包头市政务服务中心', reference: 'BT-77', ip: '127.0.0.1' });
    expect(audited.detail.userAgent).toBe('CounterBrowser/2.0');
  });

  it('confirm a representative claim from the claimant\'s page', async () => {
    const c = server.container;
    await raiseTo(c, ids.representative!, representative, 'L3');
    const { enterprise, claimId } = await c.enterprises.claim(ids.representative!, { creditCode: '91350100M000100Y43', name: '福州示例科技有限公司' });
    const { agent, csrf } = await session('counter_operator');
    const page = await agent.post('/admin/console/counter/lookup').set('accept', 'text/html').type('form').send({ _csrf: csrf, idNumber: representative.idNumber });
    expect(page.text).toContain('福州示例科技有限公司');
    expect(page.text).toContain(`/admin/console/counter/claims/${claimId}/confirm`);
    const done = await agent.post(`/admin/console/counter/claims/${claimId}/confirm`).type('form').send(identityForm(csrf, representative.idNumber, { reference: 'ENT-5' }));
    expect(done.status).toBe(303);
    expect((await c.enterprises.findById(enterprise.id))!.legal_rep_person_id).toBe(ids.representative);
    const again = await agent.post(`/admin/console/counter/claims/${claimId}/confirm`).set('accept', 'text/html').type('form').send(identityForm(csrf, representative.idNumber));
    expect(again.status).toBe(409);
    expect(again.text).toContain('该认领已处理');
  });
});

describe('the dashboard page', () => {
  beforeAll(async () => {
    const audit = server.container.audit;
    await audit.record({ actor: ids.citizen!, action: 'login.success', detail: { method: 'password' } });
    await audit.record({ actor: 'anonymous', action: 'login.failure', detail: { method: 'sms' } });
  });

  it('is for the system and security administrators and the auditor', async () => {
    for (const role of ['counter_operator', 'platform_manager'] as const) {
      const { agent } = await session(role);
      expect((await agent.get('/admin/console/dashboard').set('accept', 'text/html')).status).toBe(403);
    }
    for (const role of ['system_admin', 'security_admin', 'auditor'] as const) {
      desk.signedIn = principal(ids.clerk!, role);
      const page = await request(desk.url).get('/admin/console/dashboard').set('accept', 'text/html');
      expect(page.status).toBe(200);
    }
  });

  it('draws its charts as inline SVG without style attributes, each with a data table', async () => {
    desk.signedIn = principal(ids.clerk!, 'auditor');
    const page = await request(desk.url).get('/admin/console/dashboard').set('accept', 'text/html');
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(PAGE_CSP).not.toContain('unsafe-inline');
    expect(page.text).not.toMatch(/\sstyle=/);
    expect(page.text).not.toMatch(/<script/);
    for (const id of ['chart-logins', 'chart-verifications', 'chart-assurance']) {
      expect(page.text).toContain(`<title id="${id}-title">`);
    }
    expect(page.text.match(/<svg /g)!.length).toBeGreaterThanOrEqual(3);
    expect(page.text.match(/<table class="data">/g)!.length).toBe(page.text.match(/<svg /g)!.length);
    expect(page.text).toContain('密码');
    // clerk L1, representative L3, citizen L4 (the checks above).
    expect(page.text).toContain('<th scope="row">L1</th><td>1</td>');
    expect(page.text).toContain('<th scope="row">L3</th><td>1</td>');
    expect(page.text).toContain('<th scope="row">L4</th><td>1</td>');
  });
});
