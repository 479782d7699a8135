/**
 * Summarises V8 .cpuprofile files (from BENCH_PROFILE=1 or node --cpu-prof): self time per
 * package / source area and the top functions. `npx tsx bench/profile-summary.ts <dir|file>...`
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const files = process.argv.slice(2).flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(p, f)) : [p]));
const byArea = new Map<string, number>();
/** Inclusive time of Yihao's own functions (src/), counted once per stack. */
const inclusive = new Map<string, number>();
const byFn = new Map<string, number>();
let total = 0;

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(deps\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const src = /\/(src|bench|test)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url;
}

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Self time per node from samples × time deltas (microseconds).
  prof.samples.forEach((id, i) => {
    const n = nodes.get(id)!;
    const dt = prof.timeDeltas[i] ?? 0;
    if (n.callFrame.functionName === '(idle)') return; // percentages are of busy time
    total += dt;
    const a = area(n.callFrame.url, n.callFrame.functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + dt);
    const key = `${n.callFrame.functionName || '(anonymous)'} ${a}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = nodes.get(at)!.callFrame;
      const m = /\/(src\/.*)$/.exec(f.url);
      if (!m) continue;
      const k = `${f.functionName || '(anonymous)'} ${m[1]}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
}

const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
  .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
process.stdout.write(`${files.length} profile(s), ${(total / 1e6).toFixed(1)} s busy\n\nself time by area:\n${top(byArea, 25)}\n\ntop functions:\n${top(byFn, Number(process.env.TOP ?? 40))}\n\ninclusive time in src/:\n${top(inclusive, 30)}\n`);
