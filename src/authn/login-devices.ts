/**
 * Which device each login comes from. Every login records the device behind its SSO session (for
 * the account page's session list), and the browser among the account's known devices (by a keyed
 * hash of the device cookie's random id). A login from a browser the account never used before
 * texts the account's phone a notice (NEW_DEVICE_SMS), once per device. An account's first device
 * is recorded silently: there is nothing to compare it with (a new registration, or the first
 * login since this feature), and the owner does not need to be told about themselves.
 */
import type { Audit } from '../audit/audit.ts';
import type { PersonService } from '../identity/persons.ts';
import type { DeviceStore } from '../store/devices.ts';
import { summariseUserAgent } from './user-agent.ts';

export interface LoginDeviceDeps {
  store: DeviceStore;
  persons: PersonService;
  audit: Audit;
  /** Keyed hash of the device cookie's id: the table cannot be matched with cookies. */
  deviceHash(deviceId: string): string;
  sendNotice(mobile: string, params: Record<string, string>, personId: string): Promise<unknown>;
  newDeviceSms: boolean;
  /** The absolute session lifetime: a session's device row outlives no session. */
  sessionTtlSeconds: number;
  onNoticeFailure(err: unknown): void;
}

export interface LoginEvent { personId: string; sessionUid: string; deviceId: string; userAgent: string | undefined; ip: string }

const clock = new Intl.DateTimeFormat('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' });

export class LoginDevices {
  constructor(private readonly deps: LoginDeviceDeps) {}

  async loggedIn(e: LoginEvent): Promise<{ newDevice: boolean; notified: boolean }> {
    const device = summariseUserAgent(e.userAgent);
    await this.deps.store.recordSession(e.sessionUid, e.personId, device, this.deps.sessionTtlSeconds);
    const { isNew, hadOthers } = await this.deps.store.seen(e.personId, this.deps.deviceHash(e.deviceId), device);
    if (!isNew || !hadOthers) return { newDevice: false, notified: false };
    let notified = false;
    if (this.deps.newDeviceSms) {
      const person = await this.deps.persons.get(e.personId);
      if (person) {
        try {
          await this.deps.sendNotice(person.phone, { device, time: clock.format(new Date()) }, person.id);
          notified = true;
        } catch (err) {
          this.deps.onNoticeFailure(err);
        }
      }
    }
    await this.deps.audit.record({ actor: e.personId, action: 'login.new_device', detail: { device, notified, ip: e.ip } });
    return { newDevice: true, notified };
  }

  sweep(): Promise<number> {
    return this.deps.store.sweep();
  }
}
