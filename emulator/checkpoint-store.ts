import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ShardCheckpoint {
  /** The last sequence number handed off (processed, filtered out or discarded). */
  sequenceNumber?: string;
  /** The shard is closed and every record of it has been handled. */
  finished?: boolean;
}

/**
 * How long a moved checkpoint may wait before it is written. Every batch moves it (a read of
 * records that the filter drops too), and a synchronous write and rename per batch took about
 * half a millisecond of the main thread per webhook, blocking the API and every event source.
 */
export const CHECKPOINT_WRITE_DELAY_MS = 200;

/**
 * Where each stream shard has been read up to. DynamoDB Local keeps stream records on disk
 * across restarts, so without a persisted checkpoint a restart would replay the whole stream.
 *
 * A checkpoint is written atomically (a temporary file, then a rename) at most
 * `CHECKPOINT_WRITE_DELAY_MS` after it moved, and at once on `flush()`, which a stopping
 * emulator calls. A process killed in between resumes from the last written one: the records of
 * those last moments are delivered again, as Lambda's at-least-once delivery allows, and their
 * claims find them already done.
 */
export class CheckpointStore {
  readonly #file: string | undefined;
  readonly #writeDelayMs: number;
  #data: Record<string, Record<string, ShardCheckpoint>>;
  #pending: NodeJS.Timeout | undefined;
  #directoryMade = false;

  constructor(file?: string, options: { writeDelayMs?: number } = {}) {
    this.#file = file;
    this.#writeDelayMs = options.writeDelayMs ?? CHECKPOINT_WRITE_DELAY_MS;
    this.#data = {};
    if (file) {
      try {
        this.#data = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        this.#data = {};
      }
    }
  }

  get(streamArn: string, shardId: string): ShardCheckpoint {
    return this.#data[streamArn]?.[shardId] ?? {};
  }

  set(streamArn: string, shardId: string, checkpoint: ShardCheckpoint): void {
    this.#data[streamArn] ??= {};
    this.#data[streamArn][shardId] = checkpoint;
    if (!this.#file || this.#pending) return;
    this.#pending = setTimeout(() => this.flush(), this.#writeDelayMs);
    // A checkpoint never keeps the process alive; a stop flushes it.
    this.#pending.unref();
  }

  /** Writes what moved since the last write, now. */
  flush(): void {
    if (!this.#pending) return;
    clearTimeout(this.#pending);
    this.#pending = undefined;
    if (!this.#file) return;
    if (!this.#directoryMade) {
      mkdirSync(dirname(this.#file), { recursive: true });
      this.#directoryMade = true;
    }
    const temporary = `${this.#file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.#data));
    renameSync(temporary, this.#file);
  }
}
