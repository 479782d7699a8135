/**
 * Signing keys for administrators (the admin API and the console): list, rotate (a new active key
 * per algorithm; the previous ones stay published until their tokens expire) and retire (a key no
 * longer current leaves the published set at once). The key file is shared by every process; this
 * one reloads its provider at once, the others within seconds (provider-holder.ts). Every change
 * is audited as keys.rotated / keys.retired with the administrator, reason, address, user agent.
 */
import type { Audit } from '../audit/audit.ts';
import { loadSigningKeys, removeRetiredKey, rotateSigningKeys, SIGNING_ALGS, type SigningAlg, type StoredKey } from '../crypto/signing-keys.ts';
import { AppError } from '../errors.ts';

export interface KeyAdminDeps {
  keysDir: string;
  retainSeconds: number;
  /** Rebuilds this process's provider from the key file now. */
  reload(): void;
  audit: Audit;
}

export interface KeyView {
  kid: string;
  alg: string;
  status: 'active' | 'retired';
  createdAt: string;
  retiredAt: string | null;
  /** A retired key leaves the published set then (unless retired for good before). */
  publishedUntil: string | null;
}

export interface KeyChangeBy { actor: string; reason?: string | undefined; ip?: string | undefined; userAgent?: string | undefined }

export class KeyAdmin {
  constructor(private readonly deps: KeyAdminDeps) {}

  /** Active keys first. */
  list(): KeyView[] {
    return loadSigningKeys(this.deps.keysDir, this.deps.retainSeconds).map((k) => this.#view(k));
  }

  async rotate(algs: readonly SigningAlg[] = SIGNING_ALGS, by: KeyChangeBy): Promise<KeyView[]> {
    const fresh = await rotateSigningKeys(this.deps.keysDir, this.deps.retainSeconds, algs);
    this.deps.reload();
    await this.#record(by, 'keys.rotated', undefined, { kids: fresh.map((k) => k.jwk.kid) });
    return fresh.map((k) => this.#view(k));
  }

  /** A current key is never retired (admin.key_active): rotate first. */
  async retire(kid: string, by: KeyChangeBy & { reason: string }): Promise<void> {
    const outcome = removeRetiredKey(this.deps.keysDir, kid);
    if (outcome === 'not_found') throw new AppError('admin.key_not_found');
    if (outcome === 'active') throw new AppError('admin.key_active', 'the key is current; rotate before retiring it');
    this.deps.reload();
    await this.#record(by, 'keys.retired', kid, {});
  }

  #record(by: KeyChangeBy, action: string, target: string | undefined, detail: Record<string, unknown>) {
    return this.deps.audit.record({
      actor: by.actor, action, ...(target !== undefined ? { target } : {}),
      detail: { ...detail, ...(by.reason ? { reason: by.reason } : {}), ip: by.ip, userAgent: by.userAgent },
    });
  }

  #view(k: StoredKey): KeyView {
    return {
      kid: k.jwk.kid!, alg: String(k.jwk.alg), status: k.retiredAt ? 'retired' : 'active', createdAt: k.createdAt, retiredAt: k.retiredAt ?? null,
      publishedUntil: k.retiredAt ? new Date(Date.parse(k.retiredAt) + this.deps.retainSeconds * 1000).toISOString() : null,
    };
  }
}
