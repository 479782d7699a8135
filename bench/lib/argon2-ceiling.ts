/**
 * Ceiling for password logins: raw argon2id hashes per second with Yihao's parameters on all
 * cores (argon2 runs on libuv's thread pool, so one process with two jobs per core fills them).
 * Run as its own process; prints one JSON line.
 */
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { loadConfig } from '../../src/config.ts';
import { summarise } from './stats.ts';

const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const duration = Number(process.env.BENCH_DURATION ?? 10);
const { argon2: params } = loadConfig({ ...process.env, NODE_ENV: 'test', FIELD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), COOKIE_KEYS: 'x'.repeat(32) });

const start = performance.now();
const measureFrom = start + warmup * 1000;
const stopAt = measureFrom + duration * 1000;
const latencies: number[] = [];

async function lane(): Promise<void> {
  while (performance.now() < stopAt) {
    const t0 = performance.now();
    await argon2.hash('Correct-Horse-9', { type: argon2.argon2id, ...params });
    const t1 = performance.now();
    if (t0 >= measureFrom && t1 <= stopAt) latencies.push(t1 - t0);
  }
}

await Promise.all(Array.from({ length: availableParallelism() * 2 }, lane));
process.stdout.write(`${JSON.stringify({ params, ...summarise(latencies, duration, 0) })}\n`);
