/**
 * Holds the current Provider and rebuilds it when the signing-key file changes, so `keys rotate`
 * reaches every running process without a restart. State lives in the database, so swapping the
 * instance loses nothing.
 */
import type Provider from 'oidc-provider';
import { keyFileVersion, loadSigningKeys, providerJwks } from '../crypto/signing-keys.ts';
import type { Logger } from '../logger.ts';

export class ProviderHolder {
  #provider: Provider;
  #version: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keysDir: string,
    private readonly retainSeconds: number,
    private readonly build: (jwks: ReturnType<typeof providerJwks>) => Provider,
    private readonly logger: Logger,
  ) {
    this.#version = keyFileVersion(keysDir);
    this.#provider = build(providerJwks(loadSigningKeys(keysDir, retainSeconds)));
  }

  get current(): Provider { return this.#provider; }

  /** Re-reads the key file if it changed; returns true when the provider was rebuilt. */
  reloadIfChanged(): boolean {
    const version = keyFileVersion(this.keysDir);
    if (version === this.#version) return false;
    try {
      this.#provider = this.build(providerJwks(loadSigningKeys(this.keysDir, this.retainSeconds)));
      this.#version = version;
      this.logger.info('signing keys changed; provider reloaded');
      return true;
    } catch (err) {
      this.logger.error({ err }, 'signing keys could not be reloaded; keeping the previous ones');
      return false;
    }
  }

  watch(intervalMs = 5000): void {
    this.#timer = setInterval(() => this.reloadIfChanged(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
