/**
 * Closing an account at its owner's request (PIPL art. 47: deletion when the person withdraws).
 * The request waits out a cooling-off period, during which the account works as before and the
 * request can be cancelled; then the closing job (the server's sweeper, or `person close-due`)
 * claims it with one conditional statement, so two processes never close one account twice:
 * 1. the status becomes `closed` first: from then on no login and no token opens anything;
 * 2. every session ends and every grant and token goes, platforms told by back-channel logout
 *    (the sessions service, as for a disabled account);
 * 3. credentials, second factors, devices go; enterprise roles and agent authorisations end;
 * 4. name, ID number and phone and their blind indexes are erased, so both may register again
 *    (as a new account with a new id, hence a new `sub` everywhere).
 * Each step is idempotent: a closure claimed by a process that died half-way is claimed again.
 * The audit trail names the account by its id only.
 */
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { AccountClosureStore } from '../store/account-closures.ts';
import type { ActedBy, EndEverything } from './account-status.ts';
import type { PersonService } from './persons.ts';

export interface ClosureStatus { requestedAt: Date; dueAt: Date }

export interface AccountClosureDeps {
  store: AccountClosureStore;
  persons: PersonService;
  audit: Audit;
  endEverything: EndEverything;
  coolingOffDays: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const BATCH = 100;

export class AccountClosure {
  readonly #d: AccountClosureDeps;

  constructor(deps: AccountClosureDeps) {
    this.#d = deps;
  }

  /** The pending request, if any (a closed account has none to show). */
  async pending(personId: string): Promise<ClosureStatus | undefined> {
    const row = await this.#d.store.find(personId);
    return row && !row.closed_at ? { requestedAt: row.requested_at, dueAt: row.due_at } : undefined;
  }

  /** Requests the closure of an active account; asking again keeps the first date. */
  async request(personId: string, by: ActedBy): Promise<ClosureStatus> {
    const person = await this.#d.persons.get(personId);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    const due = new Date((this.#d.now?.() ?? Date.now()) + this.#d.coolingOffDays * DAY_MS);
    const row = await this.#d.store.request(personId, due);
    await this.#d.audit.record({ actor: by.actor, action: 'person.closure_requested', target: personId, detail: { ip: by.ip, due: row.due_at.toISOString() } });
    return { requestedAt: row.requested_at, dueAt: row.due_at };
  }

  /** Cancels a pending request; too late once the job has begun to close the account. */
  async cancel(personId: string, by: ActedBy): Promise<void> {
    if (!(await this.#d.store.cancel(personId))) throw new AppError('account.closure_not_pending');
    await this.#d.audit.record({ actor: by.actor, action: 'person.closure_cancelled', target: personId, detail: { ip: by.ip } });
  }

  /** Closes every account whose cooling-off period has ended; returns how many this call closed. */
  async closeDue(actor: string): Promise<number> {
    let closed = 0;
    for (;;) {
      const due = await this.#d.store.due(BATCH);
      let claimed = 0;
      for (const personId of due) {
        if (!(await this.#d.store.claim(personId))) continue; // another process has it
        claimed += 1;
        await this.#close(personId, actor);
        closed += 1;
      }
      if (due.length < BATCH || claimed === 0) return closed;
    }
  }

  async #close(personId: string, actor: string): Promise<void> {
    const { store, persons, audit, endEverything } = this.#d;
    await persons.setStatus(personId, 'closed');
    const ended = await endEverything(personId, { actor });
    const belongings = await store.removeBelongings(personId);
    await persons.erase(personId);
    await store.markClosed(personId);
    await audit.record({ actor, action: 'person.closed', target: personId, detail: { ended, ...belongings } });
  }
}
