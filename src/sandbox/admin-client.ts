/**
 * Small client for the sandbox's admin endpoints, used by tests and the demo (over HTTP, so
 * they exercise the same surface an operator would).
 */
import type { ChannelKind } from '../verification/channel.ts';
import type { SmsMessage } from './authorities.ts';
import type { FaultInput, FaultRule } from './faults.ts';
import type { SandboxRequestLog } from './server.ts';

export interface SandboxAdmin {
  setFault(fault: FaultInput): Promise<FaultRule | null>;
  faults(): Promise<FaultRule[]>;
  reset(): Promise<void>;
  /** Last message sent to this mobile, or null. */
  lastSms(mobile: string): Promise<SmsMessage | null>;
  requests(filter?: { kind?: ChannelKind; appId?: string }): Promise<SandboxRequestLog[]>;
  registerApp(appId: string, secret: string): Promise<void>;
}

export function sandboxAdmin(baseUrl: string, adminToken: string): SandboxAdmin {
  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const res = await fetch(baseUrl.replace(/\/+$/, '') + path, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const data = (await res.json()) as T;
    if (res.status !== 200 && res.status !== 404) throw new Error(`sandbox admin ${method} ${path}: ${res.status}`);
    return { status: res.status, data };
  }
  return {
    async setFault(fault) {
      return (await call<{ rule: FaultRule | null }>('POST', '/_admin/faults', fault)).data.rule;
    },
    async faults() {
      return (await call<{ faults: FaultRule[] }>('GET', '/_admin/faults')).data.faults;
    },
    async reset() {
      await call('POST', '/_admin/reset');
    },
    async lastSms(mobile) {
      const { status, data } = await call<SmsMessage>('GET', `/_admin/sms/${encodeURIComponent(mobile)}`);
      return status === 200 ? data : null;
    },
    async requests(filter = {}) {
      const q = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'));
      return (await call<{ requests: SandboxRequestLog[] }>('GET', `/_admin/requests?${q}`)).data.requests;
    },
    async registerApp(appId, secret) {
      await call('POST', '/_admin/apps', { appId, secret });
    },
  };
}
