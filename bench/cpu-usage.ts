/**
 * CPU time spent by each part of the stack between two snapshots, from
 * Linux's /proc: this process (gateway, load and local servers), its worker
 * process, the Temporal server, PostgreSQL and Redis. A latency at 20
 * concurrent on a small machine is mostly queueing for the CPU; CPU time per
 * operation says which part makes the queue, whatever the machine's speed.
 * Machine-wide for the servers: another process's queries on the same
 * PostgreSQL count too.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second of /proc's times: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const TICKS_PER_SECOND = 100;

/** CPU ticks so far of each process of a part, by pid: a process that ends between two snapshots loses its share. */
export type CpuSnapshot = ReadonlyMap<number, { readonly part: string; readonly ticks: number }>;

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly ticks: number;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after its closing one.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

function partOf(proc: Proc, mine: ReadonlySet<number>): string | undefined {
  if (proc.pid === process.pid) return 'gateway process (gateway, load, local servers)';
  if (mine.has(proc.pid)) return proc.comm === 'temporal' ? 'Temporal server' : 'worker process';
  if (proc.comm === 'temporal') return 'Temporal server';
  if (proc.comm === 'postgres') return 'PostgreSQL';
  if (proc.comm === 'redis-server') return 'Redis';
  return undefined;
}

/** CPU ticks so far of every process of a part; empty where /proc is not there. */
export function cpuSnapshot(): CpuSnapshot {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return new Map();
  }
  const procs = pids.map(readProc).filter((p): p is Proc => p !== undefined);
  // This process's descendants: the worker it spawned, a Temporal dev server it started.
  const mine = new Set<number>([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  const snapshot = new Map<number, { part: string; ticks: number }>();
  for (const proc of procs) {
    const part = partOf(proc, mine);
    if (part !== undefined) snapshot.set(proc.pid, { part, ticks: proc.ticks });
  }
  return snapshot;
}

/**
 * Milliseconds of CPU by part over the spans (each between two snapshots),
 * per `operations`. Per process: one started within a span counts from zero,
 * one that ended within it is missing (a connection closed: little).
 */
export function cpuPerOperation(spans: ReadonlyArray<{ readonly before: CpuSnapshot; readonly after: CpuSnapshot }>, operations: number): Array<{ part: string; ms: number }> {
  const ticks = new Map<string, number>();
  for (const { before, after } of spans) {
    for (const [pid, { part, ticks: total }] of after) ticks.set(part, (ticks.get(part) ?? 0) + total - (before.get(pid)?.ticks ?? 0));
  }
  return [...ticks.entries()].map(([part, spent]) => ({ part, ms: ((spent / TICKS_PER_SECOND) * 1000) / operations }));
}
