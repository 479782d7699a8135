import type { CpuUse } from './cpu.ts';

/** What every measurement reports: completed operations per second and latency percentiles. */
export interface Measured {
  rps: number;
  p50: number; // milliseconds
  p99: number;
  count: number;
  errors: number;
  firstError?: string;
  /** Server and database CPU per operation over the measured window (cpu.ts). */
  cpu?: CpuUse;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarise(latencies: number[], seconds: number, errors: number, firstError?: string): Measured {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    count: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/** The middle item by `score` (the lower middle of an even count): a figure from one whole round. */
export function middle<T>(items: T[], score: (t: T) => number): T {
  const sorted = [...items].sort((a, b) => score(a) - score(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
