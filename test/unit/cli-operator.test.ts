import { describe, expect, it } from 'vitest';
import { authorise, rolesFor, takeOperatorOption, UNNAMED, type CliOperator } from '../../src/cli/operator.ts';
import { isAppError } from '../../src/errors.ts';

const codeOf = (f: () => void) => { try { f(); return 'ok'; } catch (e) { return isAppError(e) ? e.code : String(e); } };
const named = (...roles: CliOperator['roles'] extends ReadonlySet<infer R> ? R[] : never): CliOperator =>
  ({ actor: 'person:p1', personId: 'p1', detail: { via: 'cli' }, roles: new Set(roles) });

describe('the CLI operator', () => {
  it('takes --operator from anywhere on the command line', () => {
    expect(takeOperatorOption(['--operator', '13800138000', 'person', 'disable', 'x'])).toEqual({ argv: ['person', 'disable', 'x'], ref: '13800138000' });
    expect(takeOperatorOption(['client', 'add', '--operator=abc', '--json'])).toEqual({ argv: ['client', 'add', '--json'], ref: 'abc' });
    expect(takeOperatorOption(['client', 'list'])).toEqual({ argv: ['client', 'list'] });
    expect(() => takeOperatorOption(['client', 'add', '--operator'])).toThrow(/--operator/);
  });

  it('requires a named operator in production for commands that change state, not for reading', () => {
    expect(codeOf(() => authorise(UNNAMED, rolesFor('client', 'add'), true))).toBe('admin.operator_required');
    expect(codeOf(() => authorise(UNNAMED, rolesFor('client', 'add'), false))).toBe('ok');
    expect(codeOf(() => authorise(UNNAMED, rolesFor('client', 'list'), true))).toBe('ok');
    expect(codeOf(() => authorise(UNNAMED, rolesFor('reencrypt', undefined), true))).toBe('admin.operator_required');
  });

  it('checks the named operator holds one of the roles', () => {
    expect(codeOf(() => authorise(named('auditor'), rolesFor('person', 'disable'), false))).toBe('admin.role_required');
    expect(codeOf(() => authorise(named('security_admin'), rolesFor('person', 'disable'), true))).toBe('ok');
    expect(codeOf(() => authorise(named('security_admin'), rolesFor('audit', 'query'), true))).toBe('admin.role_required');
    expect(codeOf(() => authorise(named('counter_operator'), rolesFor('enterprise', 'confirm'), true))).toBe('ok');
  });
});
