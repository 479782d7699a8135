/**
 * `channel list|show|add|update|enable|disable|remove|health`: verification channels from the
 * command line, through the same ChannelAdmin as the admin API (validated, audited, picked up by
 * running servers within their polling interval). Secrets are read from stdin, never from argv.
 */
import type { Container } from '../container.ts';
import type { ChannelHealthView, ChannelView } from '../verification/channel-admin.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';
import type { CliOperator } from './operator.ts';

const OPTIONS = {
  id: { type: 'string' },
  kind: { type: 'string' },
  name: { type: 'string' },
  'base-url': { type: 'string' },
  'app-id': { type: 'string' },
  'secret-stdin': { type: 'boolean' },
  priority: { type: 'string' },
  enabled: { type: 'boolean' },
  disabled: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
  'max-retries': { type: 'string' },
  'daily-quota': { type: 'string' },
  'no-daily-quota': { type: 'boolean' },
  'max-concurrency': { type: 'string' },
  'breaker-threshold': { type: 'string' },
  'breaker-open-ms': { type: 'string' },
  'window-hours': { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>['values'];

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

/** Options → configuration fields (only those given). */
async function fieldsFrom(v: Values, io: CommandIO): Promise<Record<string, unknown>> {
  const f: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => { if (value !== undefined) f[key] = value; };
  set('name', v.name);
  set('baseUrl', v['base-url']);
  set('appId', v['app-id']);
  set('priority', integer('priority', v.priority));
  if (v.enabled && v.disabled) throw new UsageError('--enabled and --disabled contradict each other');
  if (v.enabled) f.enabled = true;
  if (v.disabled) f.enabled = false;
  set('timeoutMs', integer('timeout-ms', v['timeout-ms']));
  set('maxRetries', integer('max-retries', v['max-retries']));
  set('dailyQuota', integer('daily-quota', v['daily-quota']));
  if (v['no-daily-quota']) f.dailyQuota = null;
  set('maxConcurrency', integer('max-concurrency', v['max-concurrency']));
  const breaker: Record<string, number> = {};
  const threshold = integer('breaker-threshold', v['breaker-threshold']);
  const openMs = integer('breaker-open-ms', v['breaker-open-ms']);
  if (threshold !== undefined) breaker.failureThreshold = threshold;
  if (openMs !== undefined) breaker.openMs = openMs;
  if (Object.keys(breaker).length) f.breaker = breaker;
  if (v['secret-stdin']) f.secret = (await io.readStdin()).replace(/\r?\n$/, '');
  return f;
}

function printChannel(io: CommandIO, c: ChannelView): void {
  io.out(`${c.id}\t${c.kind}\tpriority ${c.priority}\t${c.enabled ? 'enabled' : 'disabled'}\t${c.baseUrl}\tapp ${c.appId}\t${c.name}`);
}

function printHealth(io: CommandIO, h: ChannelHealthView): void {
  const ms = (v: number | null) => (v === null ? '-' : `${v}ms`);
  const quota = h.dailyQuota === null ? `${h.quotaUsedToday}/unlimited` : `${h.quotaUsedToday}/${h.dailyQuota}`;
  io.out(`${h.id}\t${h.kind}\t${h.enabled ? 'enabled' : 'disabled'}\tcalls ${h.calls}\tfailures ${h.failures}\tskipped ${h.skipped}\tp50 ${ms(h.p50Ms)}\tp95 ${ms(h.p95Ms)}\tquota ${quota}`);
}

export async function channelCommand(args: string[], io: CommandIO, c: Container, op: CliOperator): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseOptions(rest, OPTIONS);
  const channels = c.verification.channels;
  const idArg = () => {
    const id = positionals[0] ?? values.id;
    if (!id) throw new UsageError(`channel ${sub} needs a channel id`);
    return id;
  };
  const done = (view: ChannelView) => {
    if (values.json) io.out(JSON.stringify(view, null, 2));
    else printChannel(io, view);
    return 0;
  };
  switch (sub) {
    case 'list': {
      const list = await channels.list();
      if (values.json) io.out(JSON.stringify(list, null, 2));
      else for (const view of list) printChannel(io, view);
      return 0;
    }
    case 'show':
      return done(await channels.show(idArg()));
    case 'add': {
      if (!values['secret-stdin']) throw new UsageError('channel add reads the channel secret from standard input: pass --secret-stdin');
      for (const f of ['id', 'kind', 'name', 'base-url', 'app-id'] as const) if (!values[f]) throw new UsageError(`channel add needs --${f}`);
      return done(await channels.add({ id: values.id, kind: values.kind, ...(await fieldsFrom(values, io)) }, op.actor));
    }
    case 'update': {
      const fields = await fieldsFrom(values, io);
      if (Object.keys(fields).length === 0) throw new UsageError('channel update needs at least one option to change');
      return done(await channels.update(idArg(), fields, op.actor));
    }
    case 'enable':
    case 'disable':
      return done(await channels.setEnabled(idArg(), sub === 'enable', op.actor));
    case 'remove': {
      const id = idArg();
      await channels.remove(id, op.actor);
      io.out(`removed ${id}`);
      return 0;
    }
    case 'health': {
      const list = await channels.health(integer('window-hours', values['window-hours']) ?? 24);
      if (values.json) io.out(JSON.stringify(list, null, 2));
      else {
        for (const h of list) printHealth(io, h);
        io.out('(counts and latency from every process over the window; breaker states are per serving process: see GET /admin/api/channels/health)');
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown channel command: ${sub ?? '(none)'}`);
  }
}
