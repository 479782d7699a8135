import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeChecked, hmacHasher, mask } from '../../src/verification/evidence.ts';
import { channel, person, registry, startSandbox, type Harness } from './helpers.ts';

describe('evidence helpers', () => {
  it('mask the way the design says (1101**********002X)', () => {
    expect(mask.idNumber('11010519491231002X')).toBe('1101**********002X');
    expect(mask.name('欧阳娜娜')).toBe('欧***');
    expect(mask.mobile('13900000001')).toBe('139****0001');
    expect(mask.cardNumber('6222021500000000016')).toBe('622202*********0016');
    expect(mask.image(Buffer.from('12345').toString('base64'))).toBe('[image, 5 bytes]');
  });

  it('hash with a key: same key same hash, other key other hash', () => {
    expect(hmacHasher('k1')('x')).toBe(hmacHasher('k1')('x'));
    expect(hmacHasher('k1')('x')).not.toBe(hmacHasher('k2')('x'));
  });

  it('never keeps SMS parameters (they carry the code)', () => {
    const checked = describeChecked('sms', { mobile: '13900000001', templateId: 'login_code', params: { code: '123456' } }, hmacHasher('k'));
    expect(checked.map((c) => c.field)).toEqual(['mobile', 'templateId']);
    expect(JSON.stringify(checked)).not.toContain('123456');
  });
});

describe('evidence sink failures', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSandbox();
  });
  afterAll(async () => {
    await h.sandbox.close();
  });

  it('fail the verification: a check without evidence does not count', async () => {
    const broken = { record: async () => Promise.reject(new Error('disk full')) };
    const { registry: reg } = registry([channel(h.sandbox, 'population', 'pop')], { evidence: broken });
    const zhang = person('张伟');
    await expect(reg.verify('population', { name: zhang.name, idNumber: zhang.idNumber })).rejects.toThrow('disk full');
  });
});
