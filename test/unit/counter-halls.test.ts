import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { checkReference, Halls, parseHalls } from '../../src/identity/counter-halls.ts';

describe('service halls and counter references', () => {
  it('reads COUNTER_HALLS as code=name pairs and refuses malformed or repeated codes', () => {
    expect(parseHalls(' HHHT-01=呼和浩特市政务服务中心 ; BT_01=包头市政务服务中心 ')).toEqual([
      { code: 'HHHT-01', name: '呼和浩特市政务服务中心' }, { code: 'BT_01', name: '包头市政务服务中心' },
    ]);
    expect(parseHalls('')).toBeUndefined();
    expect(() => parseHalls('A=x;A=y')).toThrow(/twice/);
    expect(() => parseHalls('bad code=x')).toThrow(/code=name/);
    expect(() => loadConfig({ NODE_ENV: 'test', COUNTER_HALLS: 'x y=z' })).toThrow(ConfigError);
    expect(loadConfig({ NODE_ENV: 'test', COUNTER_HALLS: 'A=甲大厅' }).counterHalls).toEqual([{ code: 'A', name: '甲大厅' }]);
    expect(loadConfig({ NODE_ENV: 'test' }).counterHalls).toBeUndefined();
  });

  it('accepts only a configured code when there is a list, else validated free text', () => {
    const listed = new Halls([{ code: 'A', name: '甲大厅' }]);
    expect(listed.check(' A ')).toBe('A');
    expect(listed.label('A')).toBe('甲大厅');
    expect(() => listed.check('甲大厅')).toThrow(expect.objectContaining({ code: 'counter.hall_invalid' }));
    const free = new Halls(undefined);
    expect(free.check('  呼和浩特市  政务服务中心（二楼）')).toBe('呼和浩特市 政务服务中心（二楼）');
    for (const bad of ['x', '<script>', 'a\u0000b', 'x'.repeat(65)]) expect(() => free.check(bad)).toThrow(expect.objectContaining({ code: 'counter.hall_invalid' }));
  });

  it('takes references of 1 to 64 letters, digits and - _ / . : #', () => {
    expect(checkReference(' 受理-2026/001#3 ')).toBe('受理-2026/001#3');
    for (const bad of ['', 'a b', 'x'.repeat(65), 'a<b']) expect(() => checkReference(bad)).toThrow(expect.objectContaining({ code: 'counter.reference_invalid' }));
  });
});
