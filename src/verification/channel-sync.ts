/**
 * Keeps this process's ChannelRegistry equal to the channels stored in the database: loaded on
 * first use, reloaded at once after a change made here, and within one polling interval after a
 * change made by any other process (an admin API call served by another worker, the CLI).
 */
import type { Logger } from '../logger.ts';
import type { ChannelStore } from '../store/verification-channels.ts';
import { isAppError } from '../errors.ts';
import type { ChannelConfig } from './channel.ts';
import type { ChannelRecords } from './channel-records.ts';
import type { ChannelRegistry } from './channel-registry.ts';

export class ChannelSync {
  #revision: number | undefined;
  #loaded: Promise<void> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly store: ChannelStore,
    private readonly records: ChannelRecords,
    private readonly registry: ChannelRegistry,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    /** Periodic housekeeping run alongside polling (e.g. sweeping old quota counters). */
    private readonly housekeeping?: () => Promise<void>,
  ) {}

  /** Resolves once the registry holds the stored channels; starts polling on first success. */
  ready(): Promise<void> {
    this.#loaded ??= this.reload().then(
      () => this.#start(),
      (err) => {
        this.#loaded = undefined; // a failed first load (database down) is retried by the next caller
        throw err;
      },
    );
    return this.#loaded;
  }

  /** Re-reads every channel. Serialised, so an older read never replaces a newer one. */
  reload(): Promise<void> {
    const run = this.#queue.then(() => this.#load());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Reloads when another process changed the channels since our last load. */
  async poll(): Promise<boolean> {
    if ((await this.store.revision()) === this.#revision) return false;
    await this.reload();
    return true;
  }

  /** Stops polling; resolves when a load in progress has finished, so the database can close. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#queue;
  }

  async #load(): Promise<void> {
    // Revision first: a change committed between the two reads is picked up by the next poll.
    const revision = await this.store.revision();
    const configs: ChannelConfig[] = [];
    for (const row of await this.store.list()) {
      try {
        configs.push(this.records.toConfig(row));
      } catch (err) {
        // One unreadable row must not take every other channel down with it.
        this.logger.error({ channelId: row.id, code: isAppError(err) ? err.code : (err as Error).name }, 'stored verification channel ignored');
      }
    }
    this.registry.replaceAll(configs);
    this.#revision = revision;
  }

  #start(): void {
    if (this.#timer || this.#stopped) return;
    const every = Math.max(1, Math.round(3_600_000 / this.intervalMs));
    let ticks = 0;
    this.#timer = setInterval(() => {
      this.poll().catch((err) => this.logger.warn({ err }, 'verification channel reload failed; keeping the current set'));
      // Housekeeping about once an hour, whatever the polling interval.
      if (this.housekeeping && ticks++ % every === 0) {
        this.housekeeping().catch((err) => this.logger.warn({ err }, 'verification housekeeping failed'));
      }
    }, this.intervalMs);
    this.#timer.unref();
  }
}
