import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../emulator/local-aws.js';
import { dynamodbLocalPid } from '../../tools/bench/cpu-accounting.js';

const CHILD = fileURLToPath(new URL('../helpers/dynamodb-local-child.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

/** Whether a TCP connection to host:port is accepted (true) or refused (false). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(5_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within 5 s`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve(false) : reject(error),
    );
  });
}

/** An address of this machine that is not loopback, if it has one. */
const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && !a.internal && a.family === 'IPv4')?.address;

/**
 * SQLite's file format version bytes (offsets 18 and 19 of the database header): 1 for the
 * rollback journal, 2 for the write-ahead log.
 */
function journalFormat(databaseFile: string): [number, number] {
  const header = readFileSync(databaseFile).subarray(0, 100);
  expect(header.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  return [header[18]!, header[19]!];
}

describe('DynamoDB Local', () => {
  let child: ChildProcess;
  let started: { pid: number; endpoint: string };
  const dataDir = mkdtempSync(join(tmpdir(), 'dynamodb-local-'));

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    started = JSON.parse(line);
  }, 120_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps its data file in write-ahead-log mode, so a commit syncs one log', async () => {
    const client = new DynamoDBClient(localClientConfig(started.endpoint));
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'journal-mode',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      await client.send(
        new PutItemCommand({ TableName: 'journal-mode', Item: { pk: { S: 'a' } } }),
      );
    } finally {
      client.destroy();
    }
    expect(journalFormat(join(dataDir, 'shared-local-instance.db'))).toEqual([2, 2]);
  });

  it.skipIf(otherAddress === undefined)(
    'listens on loopback only (skipped: this machine has no non-loopback IPv4 address)',
    async () => {
      const port = Number(new URL(started.endpoint).port);
      expect(await accepts('127.0.0.1', port)).toBe(true);
      expect(await accepts(otherAddress!, port)).toBe(false);
    },
  );

  it('is found by its port, as the bench finds the JVM whose CPU it counts', () => {
    expect(dynamodbLocalPid(Number(new URL(started.endpoint).port))).toBe(started.pid);
  });

  it('does not outlive the process that started it, even after kill -9', async () => {
    const { pid } = started;
    expect(alive(pid)).toBe(true);

    child.kill('SIGKILL');
    await once(child, 'exit');

    // A bound for the contract (SIGTERM, then SIGKILL after 5 s), not a timing measurement.
    const ended = await gone(pid, 15_000);
    if (!ended) process.kill(pid, 'SIGKILL');
    expect(ended).toBe(true);
  }, 60_000);
});
