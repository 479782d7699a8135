/**
 * The process's Prometheus metrics (prom-client), in a registry of its own: HTTP requests by
 * route pattern and status with latency, logins by method and result (counted from the audit
 * trail, which every login path already writes), verification calls by channel and outcome,
 * and, read at scrape time, circuit breakers and the database pool.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from '../store/audit.ts';

export interface PoolUse { used: number; free: number; pending: number }
export interface BreakerReading { channelId: string; kind: string; state: 'closed' | 'open' | 'half_open' }

export interface MetricSources {
  pool(): PoolUse;
  breakers(): BreakerReading[];
}

const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'yihao_http_requests_total', help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const, registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'yihao_http_request_duration_seconds', help: 'HTTP request latency by route pattern',
    labelNames: ['route', 'method'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'yihao_logins_total', help: 'Login steps by method and result (from the audit trail)',
    labelNames: ['method', 'result'] as const, registers: [this.registry],
  });

  readonly verifications = new Counter({
    name: 'yihao_verification_calls_total', help: 'Verification channel calls by channel, kind and outcome (result or error code)',
    labelNames: ['channel', 'kind', 'outcome'] as const, registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'yihao_verification_breaker_state', help: 'Circuit breaker state per channel (1 for the current state)',
      labelNames: ['channel', 'kind', 'state'] as const, registers: [this.registry],
      collect() {
        this.reset();
        for (const b of sources.breakers()) for (const s of BREAKER_STATES) this.set({ channel: b.channelId, kind: b.kind, state: s }, b.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'yihao_db_pool_connections', help: 'Database pool connections: used, free, and requests waiting for one',
      labelNames: ['state'] as const, registers: [this.registry],
      collect() {
        const p = sources.pool();
        this.set({ state: 'used' }, p.used);
        this.set({ state: 'free' }, p.free);
        this.set({ state: 'pending' }, p.pending);
      },
    });
  }

  /** Audit observer: `login.success` / `login.failure` events count as logins (password, sms, passkey). */
  countLogin(event: AuditEvent): void {
    if (event.action !== 'login.success' && event.action !== 'login.failure') return;
    const method = typeof event.detail?.method === 'string' ? event.detail.method : 'unknown';
    this.logins.inc({ method, result: event.action.slice('login.'.length) });
  }
}
