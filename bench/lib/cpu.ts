/**
 * CPU time spent per operation by the server processes and by their PostgreSQL backends, read
 * from /proc over the measured window. Unlike requests/s it barely moves when something else
 * shares the machine, so it is the figure to compare when the machine is busy.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

function ticks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // the process has ended
  }
}

/** A process and all its descendants (the cluster workers of a server). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (pid: number) => { out.push(pid); for (const c of children.get(pid) ?? []) walk(c); };
  walk(root);
  return out;
}

export type Snapshot = Map<number, number>;
export const snapshot = (pids: number[]): Snapshot => new Map(pids.map((p) => [p, ticks(p)]));

/** CPU microseconds between two snapshots (processes that appeared in between count in full). */
export function spent(a: Snapshot, b: Snapshot): number {
  let total = 0;
  for (const [pid, t] of b) total += t - (a.get(pid) ?? 0);
  return total * TICK_US;
}

export interface CpuUse {
  serverUsPerOp: number;
  dbUsPerOp: number;
  serverCores: number;
  dbCores: number;
  loaderCores: number;
  /** Cores busy with anything else on the machine: other people's work skews requests/s. */
  otherCores: number;
}

/** Busy CPU microseconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusyUs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
  return (cpu.slice(0, 8).reduce((a, b) => a + b, 0) - idle) * TICK_US;
}
