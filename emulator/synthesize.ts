import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveProfile } from '../stack/profile.js';
import { STACK_NAME } from '../stack/stack-name.js';
import { type CfnTemplate, resourcesOfType } from './template.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs {@link synthesizeLocalStack} in a process of its own. */
const SYNTHESIZE_CHILD = fileURLToPath(new URL('./synthesize-child.ts', import.meta.url));

/** Where `npm start` and the tests keep reusable assemblies. */
export const ASSEMBLY_CACHE_DIR = join(PROJECT_ROOT, 'cdk.out', 'emulator-cache');

/**
 * What the synthesized assembly depends on: the stack, the functions' code, the dependency tree
 * and the build settings. The local profile (read from the environment) is added to the key.
 */
const INPUTS = [
  'stack',
  'services',
  'package-lock.json',
  'package.json',
  'tsconfig.json',
  'emulator/synthesize.ts',
  'emulator/synthesize-child.ts',
];

/** Cache entries no run has used for this long are removed when a new one is written. */
const CACHE_MAX_IDLE_MS = 24 * 60 * 60 * 1000;

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The cloud assembly directory: function assets live under it. */
  readonly assemblyDir: string;
  /** True when the assembly of an earlier run with the same inputs was reused. */
  readonly cached: boolean;
  /** Delete the assembly when the run ends (a per-run assembly, not a cache entry). */
  readonly temporary: boolean;
}

/**
 * Synthesizes the one CDK stack, in the `local` profile, in this process: the same code path as
 * `cdk synth`, with the functions bundled by the local esbuild. The assembly must sit inside
 * the project so the bundles resolve the AWS SDK from node_modules, as Lambda resolves it from
 * its runtime.
 */
export async function synthesizeLocalStack(options: {
  outdir: string;
  env?: Readonly<Record<string, string | undefined>>;
}): Promise<SynthesizedStack> {
  mkdirSync(options.outdir, { recursive: true });
  const [{ App }, { WebhookStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../stack/webhook-stack.js'),
  ]);
  // Asset metadata tells the emulator which directory holds each function's bundle; the CDK CLI
  // turns it on, an in-process App has to ask for it.
  const app = new App({
    outdir: options.outdir,
    context: { profile: 'local', 'aws:cdk:enable-asset-metadata': true },
    // The CDK's built-in template validation (a WebAssembly rules engine) took 7 s of CPU of a
    // 12 s synthesis. `cdk synth` and `cdk deploy` still run it; the emulator only reads the
    // template it has already checked.
    builtinCloudFormationValidation: false,
  });
  new WebhookStack(app, STACK_NAME, {
    profile: resolveProfile('local', options.env ?? process.env),
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(STACK_NAME);
  return {
    stackName: STACK_NAME,
    template: artifact.template as CfnTemplate,
    assemblyDir: assembly.directory,
    cached: false,
    temporary: true,
  };
}

/**
 * {@link synthesizeLocalStack} in a child process: synthesis holds its thread for seconds
 * (the CDK's own code and four esbuild runs it waits on synchronously), and in this process
 * that would hold back everything started beside it, DynamoDB Local's JVM first of all, whose
 * start is a chain of child processes this process has to answer. In a child the two overlap.
 */
export async function synthesizeLocalStackInChild(options: {
  outdir: string;
  env?: Readonly<Record<string, string | undefined>>;
}): Promise<SynthesizedStack> {
  mkdirSync(options.outdir, { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', SYNTHESIZE_CHILD, options.outdir], {
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'inherit', 'pipe'],
  });
  // The profile's environment on stdin: one argument or variable may not pass 128 KiB.
  // A child that fails before reading it closes the pipe; its exit code reports the failure.
  child.stdin?.on('error', () => {});
  child.stdin?.end(JSON.stringify(options.env ?? process.env));
  let errors = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // As in this process: the CDK's lines (bundling, warnings) on stderr.
    process.stderr.write(chunk);
    errors = (errors + chunk).slice(-8000);
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  if (code !== 0)
    throw new Error(
      `Synthesizing the stack failed (${signal ?? `exit ${code}`}):\n${errors.trim()}`,
    );
  return { ...readAssembly(options.outdir), cached: false, temporary: true };
}

/**
 * The same assembly, reused across runs while nothing it depends on has changed: synthesis
 * (loading the CDK and bundling four functions with esbuild) is most of `npm start`'s start-up.
 * Entries live under `cdk.out/emulator-cache/<key>`, the key hashing every input file and the
 * resolved local profile. A new assembly is written beside the cache and renamed into place, so
 * parallel runs (test files) never see half an entry; entries idle for a day are removed.
 */
export async function synthesizeLocalStackCached(options: {
  cacheDir: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** How a missing entry is synthesized (tests use a tiny stand-in); default: the stack. */
  synthesize?: typeof synthesizeLocalStack;
}): Promise<SynthesizedStack> {
  const env = options.env ?? process.env;
  const synthesize = options.synthesize ?? synthesizeLocalStackInChild;
  const key = assemblyKey(env);
  const entry = join(options.cacheDir, key);
  const cached = readEntry(entry);
  if (cached) {
    const now = new Date();
    utimesSync(entry, now, now);
    return cached;
  }

  const outdir = join(options.cacheDir, `.new-${process.pid}-${randomUUID().slice(0, 8)}`);
  const synthesized = await synthesize({ outdir, env });
  // An entry that exists but is incomplete (its files deleted by hand) is replaced.
  if (existsSync(entry) && !readEntry(entry)) rmSync(entry, { recursive: true, force: true });
  try {
    renameSync(outdir, entry);
  } catch {
    // Another run wrote the same entry first: use this run's copy, and drop it at the end.
    return synthesized;
  }
  pruneIdleEntries(options.cacheDir, key);
  return { ...synthesized, assemblyDir: entry, temporary: false };
}

/** sha256 of every input file (path and content) and of the resolved local profile. */
export function assemblyKey(env: Readonly<Record<string, string | undefined>>): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(PROJECT_ROOT, input)))) {
    hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(JSON.stringify(resolveProfile('local', env)));
  hash.update(process.version);
  return hash.digest('hex').slice(0, 32);
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) => filesUnder(join(path, d.name)));
}

/**
 * An assembly synthesized earlier (a cache entry, or the directory another process synthesized
 * into), read without synthesizing: the test suite synthesizes once and every file reuses it.
 */
export function readAssembly(assemblyDir: string): SynthesizedStack {
  const assembly = readEntry(assemblyDir);
  if (!assembly) throw new Error(`No complete assembly in ${assemblyDir}`);
  return assembly;
}

/** A complete entry (template and every function's handler file), or undefined. */
function readEntry(entry: string): SynthesizedStack | undefined {
  const templateFile = join(entry, `${STACK_NAME}.template.json`);
  if (!existsSync(templateFile)) return undefined;
  try {
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as CfnTemplate;
    for (const [, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      const handler = String(resource.Properties?.Handler ?? '').split('.')[0];
      if (typeof assetPath !== 'string' || !existsSync(join(entry, assetPath, `${handler}.mjs`)))
        return undefined;
    }
    return {
      stackName: STACK_NAME,
      template,
      assemblyDir: entry,
      cached: true,
      temporary: false,
    };
  } catch {
    return undefined;
  }
}

function pruneIdleEntries(cacheDir: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    if (name === keep) continue;
    const path = join(cacheDir, name);
    // A `.new-` directory is a synthesis in progress, or one a killed run left behind.
    const idleFor = name.startsWith('.new-') ? 60 * 60 * 1000 : CACHE_MAX_IDLE_MS;
    try {
      if (statSync(path).mtimeMs < Date.now() - idleFor)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another run meanwhile.
    }
  }
}
