/** What the host reads about a runner process from /proc (Linux): its resident memory and its CPU demand. */
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Nanoseconds a process's threads spent on a CPU or runnable waiting for one, summed over its threads (from
 * /proc/<pid>/task/<tid>/schedstat): its demand for CPU, which on a crowded machine is more than it got.
 */
export function readCpuDemandNs(pid: number): number | undefined {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [running, waiting] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      total += Number(running) + Number(waiting);
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Share of the time a runner wanted a core above which it counts as saturated (its group may spread). */
export const SATURATED_CPU_SHARE = 0.8;

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status). */
export function readRssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}
