import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ShardCheckpoint {
  /** The last sequence number handed off (processed, filtered out or discarded). */
  sequenceNumber?: string;
  /** The shard is closed and every record of it has been handled. */
  finished?: boolean;
}

/**
 * Where each stream shard has been read up to. DynamoDB Local keeps stream records on disk
 * across restarts, so without a persisted checkpoint a restart would replay the whole stream.
 */
export class CheckpointStore {
  readonly #file: string | undefined;
  #data: Record<string, Record<string, ShardCheckpoint>>;

  constructor(file?: string) {
    this.#file = file;
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
    if (this.#file) {
      mkdirSync(dirname(this.#file), { recursive: true });
      const temporary = `${this.#file}.tmp`;
      writeFileSync(temporary, JSON.stringify(this.#data));
      renameSync(temporary, this.#file);
    }
  }
}
