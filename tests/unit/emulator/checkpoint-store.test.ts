import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../../emulator/checkpoint-store.js';

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
  dirs.push(dir);
  return join(dir, 'nested', 'stream-checkpoints.json');
}

describe('CheckpointStore', () => {
  it('answers from memory at once and writes a moved checkpoint once, after the delay', () => {
    vi.useFakeTimers();
    const path = file();
    const store = new CheckpointStore(path, { writeDelayMs: 200 });
    store.set('arn:stream', 'shard-1', { sequenceNumber: '100' });
    store.set('arn:stream', 'shard-1', { sequenceNumber: '200' });
    expect(store.get('arn:stream', 'shard-1')).toEqual({ sequenceNumber: '200' });
    expect(existsSync(path)).toBe(false);

    vi.advanceTimersByTime(200);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      'arn:stream': { 'shard-1': { sequenceNumber: '200' } },
    });
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('writes at once on flush, and a new store resumes from what was written', () => {
    vi.useFakeTimers();
    const path = file();
    const store = new CheckpointStore(path, { writeDelayMs: 60_000 });
    store.set('arn:stream', 'shard-1', { sequenceNumber: '300', finished: true });
    store.flush();
    expect(new CheckpointStore(path).get('arn:stream', 'shard-1')).toEqual({
      sequenceNumber: '300',
      finished: true,
    });
    // Nothing moved since: the timer is gone and a second flush writes nothing new.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('loses only what moved after the last write when the process dies before a flush', () => {
    vi.useFakeTimers();
    const path = file();
    const store = new CheckpointStore(path, { writeDelayMs: 200 });
    store.set('arn:stream', 'shard-1', { sequenceNumber: '100' });
    vi.advanceTimersByTime(200);
    store.set('arn:stream', 'shard-1', { sequenceNumber: '200' });
    // Killed here: the next start reads 100 and delivers the records after it again.
    expect(new CheckpointStore(path).get('arn:stream', 'shard-1')).toEqual({
      sequenceNumber: '100',
    });
  });

  it('keeps everything in memory without a file', () => {
    const store = new CheckpointStore();
    store.set('arn:stream', 'shard-1', { sequenceNumber: '1' });
    store.flush();
    expect(store.get('arn:stream', 'shard-1')).toEqual({ sequenceNumber: '1' });
    expect(store.get('arn:stream', 'shard-2')).toEqual({});
  });
});
