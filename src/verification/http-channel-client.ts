/**
 * The real channel adapter: signed JSON over HTTP with a per-attempt timeout, bounded retries
 * for idempotent kinds only, zod-validated answers, a circuit breaker, a concurrency limit and
 * a daily quota. Anything but a definitive answer is thrown as AppError('unavailable', code).
 */
import { AppError, isAppError, type ErrorCode } from '../errors.ts';
import {
  CHANNEL_ERROR,
  type AdapterStatus,
  type ChannelAdapter,
  type ChannelConfig,
  type ChannelKind,
  type ChannelRequests,
  type ChannelResponses,
} from './channel.ts';
import { CircuitBreaker, type BreakerOutcome } from './circuit-breaker.ts';
import { errorBodySchema, PROTOCOL, type KindProtocol } from './protocol.ts';
import { MemoryQuotaStore, quotaDay, type QuotaStore } from './quota.ts';
import { signRequest } from './signing.ts';

/** pino-compatible subset; only ids and codes are logged, never request fields. */
export interface ChannelLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface HttpChannelClientOptions {
  quotaStore?: QuotaStore;
  /** Clock for the breaker and the quota day. Signing always uses the wall clock the authority shares. */
  now?: () => number;
  fetch?: typeof fetch;
  /** First retry waits this long, doubling after (capped at 1 s). */
  retryBaseDelayMs?: number;
  logger?: ChannelLogger;
}

const RETRYABLE = new Set<string>([CHANNEL_ERROR.timeout, CHANNEL_ERROR.network, CHANNEL_ERROR.httpError]);
/** Codes that say something about the channel's health (the others are about our own limits). */
const BREAKER_FAILURES = new Set<string>([...RETRYABLE, CHANNEL_ERROR.malformed, CHANNEL_ERROR.rejected]);
const MAX_BODY_CHARS = 1_000_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HttpChannelClient<K extends ChannelKind> implements ChannelAdapter<K> {
  readonly id: string;
  readonly kind: K;
  readonly priority: number;
  readonly #config: ChannelConfig;
  readonly #protocol: KindProtocol<K>;
  readonly #breaker: CircuitBreaker;
  readonly #quota: QuotaStore;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #retryBaseDelayMs: number;
  readonly #logger: ChannelLogger | undefined;
  #inFlight = 0;

  constructor(config: ChannelConfig & { kind: K }, opts: HttpChannelClientOptions = {}) {
    this.id = config.id;
    this.kind = config.kind;
    this.priority = config.priority;
    this.#config = config;
    this.#protocol = PROTOCOL[config.kind] as KindProtocol<K>;
    this.#now = opts.now ?? Date.now;
    this.#breaker = new CircuitBreaker(config.breaker, this.#now);
    this.#quota = opts.quotaStore ?? new MemoryQuotaStore();
    this.#fetch = opts.fetch ?? fetch;
    this.#retryBaseDelayMs = opts.retryBaseDelayMs ?? 100;
    this.#logger = opts.logger;
  }

  async call(request: ChannelRequests[K]): Promise<ChannelResponses[K]> {
    // Fail fast rather than queue: the registry can use the next channel straight away.
    if (this.#inFlight >= this.#config.maxConcurrency) throw this.#fail(CHANNEL_ERROR.busy);
    if (!this.#breaker.acquire()) throw this.#fail(CHANNEL_ERROR.breakerOpen);
    this.#inFlight++;
    let outcome: BreakerOutcome = 'neutral';
    try {
      // One unit per call, before sending: retries of the same call are not billed twice here.
      if (this.#config.dailyQuota !== null) {
        const taken = await this.#quota.tryConsume(this.id, quotaDay(this.#now()), this.#config.dailyQuota);
        if (!taken.allowed) throw this.#fail(CHANNEL_ERROR.quotaExhausted, { used: taken.used });
      }
      const response = await this.#send(JSON.stringify(request));
      outcome = 'success';
      return response;
    } catch (err) {
      if (isAppError(err) && BREAKER_FAILURES.has(err.code)) outcome = 'failure';
      if (isAppError(err)) this.#logger?.warn({ channelId: this.id, kind: this.kind, code: err.code }, 'channel call failed');
      throw err;
    } finally {
      this.#inFlight--;
      this.#breaker.record(outcome);
    }
  }

  breakerState(): AdapterStatus['breaker'] {
    return this.#breaker.state;
  }

  async status(): Promise<AdapterStatus> {
    return {
      breaker: this.#breaker.state,
      quotaUsedToday: await this.#quota.used(this.id, quotaDay(this.#now())),
      inFlight: this.#inFlight,
    };
  }

  async #send(body: string): Promise<ChannelResponses[K]> {
    const attempts = this.#protocol.idempotent ? 1 + Math.max(0, this.#config.maxRetries) : 1;
    let lastError: AppError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        const backoff = Math.min(this.#retryBaseDelayMs * 2 ** (attempt - 1), 1000);
        await sleep(backoff / 2 + Math.random() * (backoff / 2)); // jitter spreads retry bursts
      }
      try {
        return await this.#attempt(body);
      } catch (err) {
        if (!isAppError(err) || !RETRYABLE.has(err.code)) throw err;
        lastError = err;
      }
    }
    throw lastError ?? this.#fail(CHANNEL_ERROR.network);
  }

  async #attempt(body: string): Promise<ChannelResponses[K]> {
    const url = new URL(this.#config.baseUrl.replace(/\/+$/, '') + this.#protocol.path);
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...signRequest(this.#config, { method: 'POST', path: url.pathname + url.search, body }),
    };
    let status: number;
    let text: string;
    try {
      const res = await this.#fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.#config.timeoutMs),
      });
      status = res.status;
      text = await res.text(); // the timeout signal also bounds reading the body
    } catch (err) {
      const timedOut = (err as { name?: unknown } | null)?.name === 'TimeoutError';
      throw this.#fail(timedOut ? CHANNEL_ERROR.timeout : CHANNEL_ERROR.network);
    }
    if (status >= 500 || status === 429) throw this.#fail(CHANNEL_ERROR.httpError, { status });
    if (status !== 200) {
      const error = errorBodySchema.safeParse(safeJson(text)).data?.error;
      throw this.#fail(CHANNEL_ERROR.rejected, { status, error });
    }
    const parsed = text.length > MAX_BODY_CHARS ? undefined : this.#protocol.response.safeParse(safeJson(text));
    if (!parsed?.success) throw this.#fail(CHANNEL_ERROR.malformed, { status });
    return parsed.data;
  }

  #fail(code: ErrorCode, details: Record<string, unknown> = {}): AppError {
    return new AppError(code, `channel ${this.id}: ${code}`, { channelId: this.id, ...details });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function createHttpChannelClient(config: ChannelConfig, opts: HttpChannelClientOptions = {}): ChannelAdapter {
  return new HttpChannelClient(config, opts) as unknown as ChannelAdapter;
}
