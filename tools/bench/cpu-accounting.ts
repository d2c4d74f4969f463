import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process CPU time in clock ticks; 100 per second on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or NaN where /proc is not there. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The pid of the DynamoDB Local JVM listening on `port`, found by its command line. */
export function dynamodbLocalPid(port: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const portAt = args.indexOf('-port');
      // The jar itself, or the emulator's launcher (its class, on a class path of copies).
      const dynamodbLocal = args.some(
        (a) => a.includes('DynamoDBLocal.jar') || a === 'DynamoDbLocalOnLoopback',
      );
      if (dynamodbLocal && args[portAt + 1] === String(port)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

export interface CpuShares {
  /** DynamoDB Local's JVM. */
  readonly dynamodbLocal: number;
  /** This process: the emulator (API, event sources, fauxqs) and every function's worker thread. */
  readonly emulator: number;
  readonly loadGenerator: number;
}

/** CPU seconds used by each part of the bench between `start()` and the returned function. */
export class CpuMeter {
  readonly #pids: Record<keyof CpuShares, number | undefined>;

  constructor(pids: { dynamodbLocal?: number; emulator: number; loadGenerator?: number }) {
    this.#pids = {
      dynamodbLocal: pids.dynamodbLocal,
      emulator: pids.emulator,
      loadGenerator: pids.loadGenerator,
    };
  }

  start(): () => CpuShares {
    const before = this.#read();
    return () => {
      const after = this.#read();
      return {
        dynamodbLocal: after.dynamodbLocal - before.dynamodbLocal,
        emulator: after.emulator - before.emulator,
        loadGenerator: after.loadGenerator - before.loadGenerator,
      };
    };
  }

  #read(): CpuShares {
    const read = (pid: number | undefined) => (pid === undefined ? Number.NaN : cpuSeconds(pid));
    return {
      dynamodbLocal: read(this.#pids.dynamodbLocal),
      emulator: read(this.#pids.emulator),
      loadGenerator: read(this.#pids.loadGenerator),
    };
  }
}

/** CPU milliseconds per operation, by part, rounded to 0.01 ms. */
export function perOperation(shares: CpuShares, operations: number): CpuShares {
  const per = (seconds: number) =>
    Math.round((seconds * 1000 * 100) / Math.max(1, operations)) / 100;
  return {
    dynamodbLocal: per(shares.dynamodbLocal),
    emulator: per(shares.emulator),
    loadGenerator: per(shares.loadGenerator),
  };
}
