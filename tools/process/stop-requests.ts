import { readFileSync } from 'node:fs';

/** Why a long-running tool (`npm start`, `npm run proxy`) is stopping. */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent exited';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Calls `stop` once, on the first of the usual ways a tool is asked to end:
 * - SIGINT: Ctrl-C (the whole process group), or npm passing its own SIGINT on;
 * - SIGTERM: a process manager or an IDE, through npm, which passes it on;
 * - SIGHUP: the terminal closed;
 * - the parent process gone: npm killed with SIGKILL passes nothing on, and this process would
 *   otherwise keep the ports (and DynamoDB Local's JVM) forever. Checked every `pollMs`.
 * npm passes signals to the script's process only when that process is the script itself
 * (`exec node …` in package.json): a shell in between keeps SIGINT and dies of SIGTERM alone.
 * Returns a function that removes the handlers.
 */
export function onStopRequest(
  stop: (reason: StopReason) => void,
  options: { readonly pollMs?: number } = {},
): () => void {
  let asked = false;
  const once = (reason: StopReason) => {
    if (asked) return;
    asked = true;
    stop(reason);
  };
  const handlers = SIGNALS.map((signal) => {
    const handler = () => once(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (!parentAlive(parent)) once('parent exited');
  }, options.pollMs ?? 500);
  // The watch alone must not keep the process alive.
  watch.unref();
  return () => {
    clearInterval(watch);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/**
 * `process.ppid` is read once at start-up on Node.js 20, so it cannot tell: on Linux the current
 * parent is in /proc (an orphan is adopted by init or a subreaper); elsewhere ask whether the
 * first parent still exists.
 */
function parentAlive(original: number): boolean {
  let stat: string | undefined;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    // Not Linux: no /proc.
  }
  if (stat !== undefined) {
    // pid (comm) state ppid …: the command may hold spaces, so count from the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === original;
  }
  try {
    process.kill(original, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
