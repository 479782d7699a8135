/** Child processes of the bench: spawning TypeScript entry points, waiting, stopping, memory. */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineBusyUs, processTree, snapshot, spent, type Snapshot } from './cpu.ts';
import type { Job } from './jobs.ts';
import type { Measured } from './stats.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Whose CPU to account: the server's processes and the database backends serving it. */
export interface Watched { server: () => number[]; db: () => Promise<number[]> }

/** Runs one load job in a fresh load-generator process; samples CPU over the measured window. */
export function runLoad(job: Job, watched?: Watched): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT, 'bench/lib/load-worker.ts'), [], { execArgv: ['--import', 'tsx'], cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    type Sample = { server: Snapshot; db: Snapshot; loader: Snapshot; machine: number; at: number };
    const samples: Array<Promise<Sample>> = [];
    const sample = async (): Promise<Sample> => ({
      server: snapshot(watched!.server()), db: snapshot(await watched!.db()), loader: snapshot(processTree(child.pid!)),
      machine: machineBusyUs(), at: performance.now(),
    });
    child.on('message', (m: { started?: boolean; ok?: boolean; result?: Measured; error?: string }) => {
      if (m.started) {
        if (!watched) return;
        for (const s of [job.warmup, job.warmup + job.duration]) {
          samples.push(new Promise((r) => setTimeout(() => r(sample()), s * 1000)));
        }
        return;
      }
      if (!m.ok) return reject(new Error(m.error));
      const result = m.result!;
      if (samples.length !== 2) return resolve(result);
      void Promise.all(samples).then(([a, b]) => {
        const seconds = (b!.at - a!.at) / 1000;
        const ops = result.rps * seconds;
        const server = spent(a!.server, b!.server);
        const db = spent(a!.db, b!.db);
        const loader = spent(a!.loader, b!.loader);
        const cores = (us: number) => us / 1e6 / seconds;
        resolve({
          ...result,
          cpu: {
            serverUsPerOp: server / ops, dbUsPerOp: db / ops, serverCores: cores(server), dbCores: cores(db), loaderCores: cores(loader),
            otherCores: Math.max(0, cores(b!.machine - a!.machine - server - db - loader)),
          },
        });
      }, reject);
    });
    child.once('exit', (code) => { if (code !== 0) reject(new Error(`load generator exited with ${code}`)); });
    child.send(job);
  });
}

/** Starts `node --import tsx <entry>` with `env`, output appended to `logFile`. */
export function startTs(entry: string, env: Record<string, string>, logFd: number, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', logFd, logFd],
  });
}

export async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error(`${url} did not become ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function stop(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Resident memory (MiB) of a process and its direct children (the cluster workers). */
export function treeRssMiB(pid: number): { pid: number; rss: number }[] {
  const out: { pid: number; rss: number }[] = [];
  const rss = (p: number) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  };
  try {
    out.push({ pid, rss: rss(pid) });
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const c of children) out.push({ pid: c, rss: rss(c) });
  } catch { /* process gone */ }
  return out;
}
