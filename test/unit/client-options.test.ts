import { describe, expect, it } from 'vitest';
import { metadataFromOptions } from '../../src/cli/client-command.ts';
import { UsageError } from '../../src/cli/io.ts';

type Options = Parameters<typeof metadataFromOptions>[0];

describe('client options', () => {
  it('turns --minimum-aal into the platform\'s strength floor', () => {
    expect(metadataFromOptions({ 'minimum-aal': '2' } as Options)).toMatchObject({ minimum_aal: 2 });
    expect(metadataFromOptions({ 'minimum-aal': '3', 'minimum-acr': 'urn:yihao:loa:2' } as Options)).toMatchObject({ minimum_aal: 3, minimum_acr: 'urn:yihao:loa:2' });
  });

  it.each(['0', '4', 'two', ''])('refuses --minimum-aal %j', (value) => {
    expect(() => metadataFromOptions({ 'minimum-aal': value } as Options)).toThrow(UsageError);
  });
});
