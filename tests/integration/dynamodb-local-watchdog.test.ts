import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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

describe('DynamoDB Local', () => {
  it('does not outlive the process that started it, even after kill -9', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const { pid } = JSON.parse(line) as { pid: number };
    expect(alive(pid)).toBe(true);

    child.kill('SIGKILL');
    await once(child, 'exit');

    // A bound for the contract (SIGTERM, then SIGKILL after 5 s), not a timing measurement.
    const ended = await gone(pid, 15_000);
    if (!ended) process.kill(pid, 'SIGKILL');
    expect(ended).toBe(true);
  }, 60_000);
});
