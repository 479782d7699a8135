/** The audit trail as the rest of the code sees it. Never pass an ID number in `detail`. */
import type { Logger } from '../logger.ts';
import type { AuditEvent, AuditStore } from '../store/audit.ts';

export class Audit {
  constructor(private readonly store: AuditStore, private readonly logger: Logger) {}

  async record(event: AuditEvent): Promise<void> {
    await this.store.append(event);
    this.logger.info({ audit: { actor: event.actor, action: event.action, target: event.target } }, 'audit');
  }
}
