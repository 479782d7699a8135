/** The results table and the results files (bench/results/<timestamp>.json and its details). */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './procs.ts';
import type { Measured } from './stats.ts';

export interface Figure { name: string; value: number | null; unit: string; ceiling: number | null; ratio: number | null; target: number }
export interface Row { figure: Figure; yihao?: Measured; ceiling?: Measured }

export const RESULTS_DIR = path.join(ROOT, 'bench/results');
export const NAMES = ['client_credentials', 'refresh', 'userinfo', 'introspection', 'code_flow', 'password_login', 'scale_latency'] as const;
export const TARGETS: Record<(typeof NAMES)[number], number> = {
  client_credentials: 0.7, refresh: 0.7, userinfo: 0.7, introspection: 0.7, code_flow: 0.5, password_login: 0.8,
  scale_latency: 1 / 1.2, // latency at 10 thousand / at 10 million ≥ 1/1.2 ⇔ 10M within 1.2× 10k
};

const round = (n: number | null, digits = 1) => (n === null || !Number.isFinite(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits);

export function figure(name: (typeof NAMES)[number], unit: string, value: number | null, ceiling: number | null): Figure {
  const ratio = value !== null && ceiling !== null && ceiling > 0 ? (name === 'scale_latency' ? ceiling / value : value / ceiling) : null;
  return { name, value: round(value), unit, ceiling: round(ceiling), ratio: round(ratio, 3), target: round(TARGETS[name], 3)! };
}

/** scale_latency from the newest scale-<timestamp>.json, when a scale run has been made. */
export function latestScale(): Figure {
  const files = readdirSync(RESULTS_DIR).filter((f) => /^scale-.*\.json$/.test(f)).sort();
  const last = files.at(-1);
  if (!last) return figure('scale_latency', 'ms', null, null);
  const scale = JSON.parse(readFileSync(path.join(RESULTS_DIR, last), 'utf8')) as { figure: Figure };
  return scale.figure;
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));
const lpad = (s: string, n: number) => ' '.repeat(Math.max(0, n - [...s].length)) + s;
const num = (n: number | null | undefined, d = 0) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(d));

export function table(rows: Row[]): string {
  const head = `${pad('figure', 19)}${lpad('Yihao', 10)}${lpad('ceiling', 10)}  ${pad('unit', 9)}${lpad('ratio', 7)}${lpad('target', 8)}  ok  `
    + `${pad('p50/p99 ms Yihao', 18)}${pad('p50/p99 ceiling', 17)}${pad('cpu µs/op Yihao', 17)}${pad('ceiling', 9)}cpu ratio`;
  const lines = rows.map(({ figure: f, yihao, ceiling }) => {
    const ok = f.ratio === null ? ' ?' : f.ratio >= f.target ? 'yes' : ' no';
    const lat = (m?: Measured) => (m ? `${num(m.p50, 1)} / ${num(m.p99, 1)}` : '—');
    const cpu = (m?: Measured) => (m?.cpu ? m.cpu.serverUsPerOp + m.cpu.dbUsPerOp : undefined);
    // Server + database CPU per operation: what requests/s would be on an otherwise idle machine.
    const cpuText = (m?: Measured) => (m?.cpu ? `${num(m.cpu.serverUsPerOp)}+${num(m.cpu.dbUsPerOp)}` : '—');
    const cpuRatio = cpu(yihao) && cpu(ceiling) ? cpu(ceiling)! / cpu(yihao)! : null;
    return `${pad(f.name, 19)}${lpad(num(f.value, f.unit === 'ms' ? 1 : 0), 10)}${lpad(num(f.ceiling, f.unit === 'ms' ? 1 : 0), 10)}  ${pad(f.unit, 9)}${lpad(num(f.ratio, 2), 7)}${lpad(`≥${num(f.target, 2)}`, 8)}  ${ok} `
      + `${pad(lat(yihao), 18)}${pad(lat(ceiling), 17)}${pad(cpuText(yihao), 17)}${pad(cpuText(ceiling), 9)}${num(cpuRatio, 2)}`;
  });
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

export function writeResults(stamp: string, figures: Figure[], details: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(path.join(RESULTS_DIR, `${stamp}.details.json`), `${JSON.stringify(details, null, 2)}\n`);
  return file;
}

export const timestamp = () => new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
