import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classDataSharing } from '../../../emulator/dynamodb-local.js';

/*
 * Which DynamoDB Local JVM writes the class-data archive and when it is kept: one writer at a
 * time, kept only when the JVM ended on its own, mapped by every later start.
 */
let dir: string;
const archive = () => join(dir, 'classes.jsa');
/** The file the JVM would write at exit, as `-XX:ArchiveClassesAtExit` names it. */
const writtenBy = (args: string[]) => {
  const flag = args.find((a) => a.startsWith('-XX:ArchiveClassesAtExit='));
  expect(flag).toBeDefined();
  return flag!.slice('-XX:ArchiveClassesAtExit='.length);
};

/** A process id that no running process has. */
function deadPid(): number {
  for (let pid = 4_000_000; pid > 3_000_000; pid -= 7919) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid found');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'class-data-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('class-data sharing for DynamoDB Local', () => {
  it('lets the first start write the archive, kept once its JVM has stopped on its own', () => {
    const first = classDataSharing({ dir });
    expect(first.writes).toBe(true);
    const file = writtenBy(first.args);
    writeFileSync(file, 'archive bytes');

    first.ended(null);

    expect(existsSync(archive())).toBe(true);
    expect(readdirSync(dir)).toEqual(['classes.jsa']);
    const later = classDataSharing({ dir });
    expect(later).toMatchObject({ writes: false, args: [`-XX:SharedArchiveFile=${archive()}`] });
  });

  it('keeps nothing from a JVM that was killed, and the next start writes again', () => {
    const first = classDataSharing({ dir });
    writeFileSync(writtenBy(first.args), 'half an archive');

    first.ended('SIGKILL');

    expect(readdirSync(dir)).toEqual([]);
    expect(classDataSharing({ dir }).writes).toBe(true);
  });

  it('has one writer at a time: a second start meanwhile neither writes nor maps', () => {
    const first = classDataSharing({ dir });
    const second = classDataSharing({ dir });

    expect(first.writes).toBe(true);
    expect(second).toMatchObject({ writes: false, args: [] });
  });

  it('takes over from a writer whose process is gone, dropping its unfinished file', () => {
    const gone = deadPid();
    writeFileSync(`${archive()}.lock`, String(gone));
    writeFileSync(`${archive()}.${gone}`, 'unfinished');

    expect(classDataSharing({ dir }).writes).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    expect(classDataSharing({ dir }).writes).toBe(true);
  });
});
