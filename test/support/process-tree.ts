import { readFileSync, readdirSync } from 'node:fs';

/** What a server's child process is, by the script it runs (libs/inference's entry points). */
export type ChildKind = 'render-worker' | 'planner' | 'other';

export interface ChildProcessInfo {
  pid: number;
  kind: ChildKind;
  cmdline: string;
}

const kindOf = (cmdline: string): ChildKind => (/render-worker\.js/.test(cmdline) ? 'render-worker' : /planner-process\.js/.test(cmdline) ? 'planner' : 'other');

/** The direct children of a process, from /proc (every thread's list: a child belongs to the thread that forked it). */
export function childrenOf(pid: number): ChildProcessInfo[] {
  const pids = new Set<number>();
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of threads) {
    try {
      for (const p of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (p) pids.add(Number(p));
    } catch {
      // the thread ended meanwhile
    }
  }
  const out: ChildProcessInfo[] = [];
  for (const child of pids) {
    try {
      const cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: child, kind: kindOf(cmdline), cmdline });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Whether a process exists and is not a zombie. */
export function processLive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILL, where a process that ended meanwhile is no error. Answers whether the signal was sent. */
export function killHard(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
