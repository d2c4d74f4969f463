import { readdirSync, readFileSync } from 'node:fs';

/** One process, told apart from a later one that reuses its pid by its start time. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
  readonly startTime: string;
  readonly state: string;
}

/** Reads /proc/<pid>/stat (Linux); undefined once the process is gone. */
function readStat(pid: number): ProcessEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command sits in parentheses and may itself hold spaces or parentheses: split after the last.
  const close = stat.lastIndexOf(')');
  const command = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  // After the command: state (3), ppid (4) … starttime (22), numbered as in proc(5).
  return {
    pid,
    ppid: Number(fields[1]),
    command,
    startTime: fields[19] as string,
    state: fields[0] as string,
  };
}

/** Every live process descending from `root`, `root` included. */
export function processTree(root: number): ProcessEntry[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((entry): entry is ProcessEntry => entry !== undefined);
  const tree: ProcessEntry[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const entry = all.find((p) => p.pid === pid);
    if (!entry) continue;
    tree.push(entry);
    for (const child of all) if (child.ppid === pid) queue.push(child.pid);
  }
  return tree;
}

/** The same process (same pid, same start time) still runs; a zombie has finished. */
export function stillRunning(entry: ProcessEntry): boolean {
  const now = readStat(entry.pid);
  return now !== undefined && now.startTime === entry.startTime && now.state !== 'Z';
}

/** The command line, for messages: `node --import tsx scripts/start.ts`. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
