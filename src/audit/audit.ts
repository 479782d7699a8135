/** The audit trail as the rest of the code sees it. Never pass an ID number in `detail`. */
import type { Logger } from '../logger.ts';
import type { AuditEvent, AuditStore } from '../store/audit.ts';

export type { AuditEvent } from '../store/audit.ts';

export class Audit {
  /** Called after each recorded event (metrics count logins and the like from here). */
  readonly #observers: Array<(event: AuditEvent) => void> = [];

  constructor(private readonly store: AuditStore, private readonly logger: Logger) {}

  observe(observer: (event: AuditEvent) => void): void {
    this.#observers.push(observer);
  }

  /** Writes still under way from recordSoon. */
  readonly #pending = new Set<Promise<void>>();

  async record(event: AuditEvent): Promise<void> {
    await this.store.append(event);
    this.logger.info({ audit: { actor: event.actor, action: event.action, target: event.target } }, 'audit');
    for (const observer of this.#observers) observer(event);
  }

  /**
   * For events raised where nobody can wait (the provider's emitters, after the response): written
   * in the background; a failure is logged, never thrown. drain() waits for them (at shutdown).
   */
  recordSoon(event: AuditEvent): void {
    const write = this.record(event).catch((err: unknown) => {
      this.logger.error({ err, audit: { actor: event.actor, action: event.action } }, 'audit event not recorded');
    });
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
