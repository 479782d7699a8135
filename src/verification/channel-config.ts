/**
 * Validation and defaults for channel configuration, as an administrator or a seed file gives it.
 * Defaults are chosen for a national authority reached over a government network.
 */
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { CHANNEL_KINDS, type ChannelConfig } from './channel.ts';

export const channelConfigSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/),
  kind: z.enum(CHANNEL_KINDS),
  name: z.string().trim().min(1).max(128),
  baseUrl: z.url({ protocol: /^https?$/ }),
  appId: z.string().min(1).max(128),
  secret: z.string().min(8).max(512),
  priority: z.int().min(0).max(10_000).default(100),
  enabled: z.boolean().default(true),
  // Authorities usually answer in well under a second; 3 s leaves room for a slow day.
  timeoutMs: z.int().min(10).max(60_000).default(3_000),
  maxRetries: z.int().min(0).max(5).default(1),
  dailyQuota: z.int().min(0).nullable().default(null),
  maxConcurrency: z.int().min(1).max(1_000).default(20),
  breaker: z
    .object({
      failureThreshold: z.int().min(1).max(1_000).default(5),
      openMs: z.int().min(1).max(3_600_000).default(30_000),
      halfOpenMaxCalls: z.int().min(1).max(100).default(1),
    })
    .prefault({}),
}) satisfies z.ZodType<ChannelConfig, unknown>;

export type ChannelConfigInput = z.input<typeof channelConfigSchema>;

/** Parses one configuration; errors name the fields, never echo the secret. */
export function parseChannelConfig(input: unknown): ChannelConfig {
  const parsed = channelConfigSchema.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.'));
    throw new AppError('verification.invalid_channel_config', `invalid channel config: ${fields.join(', ')}`, {
      fields,
    });
  }
  return parsed.data;
}
