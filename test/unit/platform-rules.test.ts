import { describe, expect, it } from 'vitest';
import { grantsAdminRole, platformIssues, returnUriProblem } from '../../src/oidc/platform-rules.ts';

const dev = { production: false };
const prod = { production: true };

describe('redirect and post-logout URIs', () => {
  it.each([
    ['https://www.example.gov.cn/oidc/callback', undefined, undefined],
    ['https://www.example.gov.cn:8443/cb?x=1', undefined, undefined],
    ['http://127.0.0.1:8080/cb', undefined, /production/],
    ['http://[::1]/cb', undefined, /production/],
    ['http://localhost:3000/cb', undefined, /production/],
    ['http://www.example.gov.cn/cb', /https/, /https/],
    ['http://127.0.0.2/cb', /https/, /https/],
    ['http://localhost.example.com/cb', /https/, /https/],
    ['https://www.example.gov.cn/cb#done', /fragment/, /fragment/],
    ['https://www.example.gov.cn/cb#', /fragment/, /fragment/],
    ['https://*.example.gov.cn/cb', /wildcard/, /wildcard/],
    ['https://www.example.gov.cn/*', /wildcard/, /wildcard/],
    ['gov-app:/callback', /https/, /https/],
    ['javascript:alert(1)', /https/, /https/],
    ['/relative', /absolute/, /absolute/],
  ])('%s', (uri, inDevelopment, inProduction) => {
    const check = (problem: string | undefined, expected: RegExp | undefined) => (expected ? expect(problem).toMatch(expected) : expect(problem).toBeUndefined());
    check(returnUriProblem(uri, dev), inDevelopment);
    check(returnUriProblem(uri, prod), inProduction);
  });

  it('names each field and position, post-logout URIs alike; other URL fields need absolute URLs only', () => {
    expect(platformIssues({
      redirect_uris: ['https://ok.example.gov.cn/cb', 'https://x.example.gov.cn/*'],
      post_logout_redirect_uris: ['http://bye.example.gov.cn/'],
      backchannel_logout_uri: 'not a url',
      jwks_uri: 'https://ok.example.gov.cn/jwks',
    }, dev)).toEqual([
      { path: 'redirect_uris.1', message: expect.stringMatching(/wildcard/) },
      { path: 'post_logout_redirect_uris.0', message: expect.stringMatching(/https/) },
      { path: 'backchannel_logout_uri', message: 'must be an absolute URL' },
    ]);
    expect(platformIssues({ redirect_uris: [42] }, dev)).toEqual([{ path: 'redirect_uris.0', message: 'must be an absolute URL' }]);
  });
});

describe('scopes and managers', () => {
  it('refuses the auditor\'s scope with an acting one, allows it alone', () => {
    expect(platformIssues({ scope: 'admin:audit admin:security' }, dev)).toEqual([{ path: 'scope', message: expect.stringContaining('admin:audit') }]);
    expect(platformIssues({ scope: 'admin:audit' }, dev)).toEqual([]);
    expect(platformIssues({ scope: 'admin:system admin:platforms openid' }, dev)).toEqual([]);
  });

  it('requires managed_platforms to list client ids', () => {
    expect(platformIssues({ managed_platforms: ['yh_a', 'yh_b'] }, dev)).toEqual([]);
    expect(platformIssues({ managed_platforms: 'yh_a' }, dev)).toEqual([{ path: 'managed_platforms', message: expect.any(String) }]);
    expect(platformIssues({ managed_platforms: [''] }, dev)).toHaveLength(1);
  });

  it('tells scopes that grant an administrative role', () => {
    expect(grantsAdminRole('openid admin:system')).toBe(true);
    expect(grantsAdminRole('openid profile id_number')).toBe(false);
    expect(grantsAdminRole(undefined)).toBe(false);
  });
});
