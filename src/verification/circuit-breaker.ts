/**
 * Circuit breaker per channel: after `failureThreshold` consecutive failures the channel is
 * skipped for `openMs`, then `halfOpenMaxCalls` trial calls decide whether it closes again.
 * The clock is injected so tests can move time without waiting.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  failureThreshold: number;
  openMs: number;
  halfOpenMaxCalls: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, openMs: 30_000, halfOpenMaxCalls: 1 };

/** 'neutral' ends a permitted call without judging the channel (e.g. quota, busy). */
export type BreakerOutcome = 'success' | 'failure' | 'neutral';

export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trials = 0;
  readonly #settings: BreakerSettings;
  readonly #now: () => number;

  constructor(settings: BreakerSettings = DEFAULT_BREAKER, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#settings.openMs) {
      this.#state = 'half_open';
      this.#trials = 0;
    }
    return this.#state;
  }

  /** Asks to make a call; every true must be followed by exactly one record(). */
  acquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.#trials >= this.#settings.halfOpenMaxCalls) return false;
    this.#trials++;
    return true;
  }

  record(outcome: BreakerOutcome): void {
    const wasTrial = this.#state === 'half_open';
    if (wasTrial) this.#trials = Math.max(0, this.#trials - 1);
    if (outcome === 'success') {
      this.#state = 'closed';
      this.#failures = 0;
    } else if (outcome === 'failure') {
      this.#failures++;
      // A failed trial re-opens at once; in closed state only a run of failures does.
      if (wasTrial || (this.#state === 'closed' && this.#failures >= this.#settings.failureThreshold)) {
        this.#open();
      }
    }
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#trials = 0;
  }
}
