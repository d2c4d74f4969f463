import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { BuildAppOptions } from 'fauxqs';

/** fauxqs's stores, as `buildApp` takes them. */
export type FauxqsStores = NonNullable<BuildAppOptions['stores']>;
type S3Store = FauxqsStores['s3Store'];
/** One stored object, as fauxqs's S3 keeps it. */
type S3Object = ReturnType<S3Store['getObject']>;

/*
 * fauxqs keeps S3 objects in memory. With a data directory, the emulator gives it a store
 * whose buckets are folders there instead: each object is two files named by the SHA-256 of its
 * key, the bytes and a JSON record of everything else (key, size, ETag, content type, metadata,
 * time). A PutObject is answered only after both are on disk (the bytes written, flushed and
 * renamed into place, then the record), so an acknowledged object survives a crash as a
 * DynamoDB Local item does; a record is the commit point, and bytes without one are discarded
 * on start. Bodies are read from disk when asked for, so a large bucket costs no memory.
 *
 * fauxqs does not export its store classes; they are loaded from beside its entry point, the
 * module that `buildApp` itself uses.
 */
export async function fauxqsStoresOnDisk(dir: string): Promise<FauxqsStores> {
  const dist = new URL('.', import.meta.resolve('fauxqs'));
  const [{ S3Store }, { SqsStore }, { SnsStore }] = (await Promise.all([
    import(new URL('s3/s3Store.js', dist).href),
    import(new URL('sqs/sqsStore.js', dist).href),
    import(new URL('sns/snsStore.js', dist).href),
  ])) as [
    { S3Store: new () => S3Store },
    { SqsStore: new () => FauxqsStores['sqsStore'] },
    { SnsStore: new () => FauxqsStores['snsStore'] },
  ];
  const s3Store = new S3Store();
  mkdirSync(dir, { recursive: true });
  // Its objects live in `buckets` (private in its types): one Map of key to object per bucket.
  const { buckets } = s3Store as unknown as { buckets: Map<string, Map<string, S3Object>> };
  const createBucket = s3Store.createBucket.bind(s3Store);
  s3Store.createBucket = (name: string) => {
    createBucket(name);
    // A name S3 would accept is a safe folder name; any other bucket stays in memory.
    if (
      BUCKET_NAME.test(name) &&
      !name.includes('..') &&
      !(buckets.get(name) instanceof ObjectsOnDisk)
    )
      buckets.set(name, new ObjectsOnDisk(join(dir, name)));
  };
  // Buckets created by an earlier run come back with their objects.
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) s3Store.createBucket(entry.name);
  return { s3Store, sqsStore: new SqsStore(), snsStore: new SnsStore() };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

interface ObjectRecord extends Omit<S3Object, 'body' | 'lastModified'> {
  readonly lastModified: string;
}

/** A bucket's objects: a Map of key to object, written through to `dir`. */
class ObjectsOnDisk extends Map<string, S3Object> {
  constructor(private readonly dir: string) {
    super();
    mkdirSync(dir, { recursive: true });
    const names = new Set(readdirSync(dir));
    for (const name of names) {
      if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
      if (!name.endsWith('.json')) continue;
      const stem = name.slice(0, -'.json'.length);
      if (!names.has(`${stem}.body`)) continue;
      const record = JSON.parse(readFileSync(join(dir, name), 'utf8')) as ObjectRecord;
      super.set(record.key, this.fromDisk(record, stem));
    }
    // Bytes whose record was never written: a PutObject that was not answered.
    for (const name of names)
      if (name.endsWith('.body') && !names.has(`${name.slice(0, -'.body'.length)}.json`))
        rmSync(join(dir, name), { force: true });
  }

  override set(key: string, object: S3Object): this {
    const stem = stemOf(key);
    writeDurably(join(this.dir, `${stem}.body`), object.body);
    const { body: _body, lastModified, ...rest } = object;
    const record: ObjectRecord = { ...rest, lastModified: lastModified.toISOString() };
    writeDurably(join(this.dir, `${stem}.json`), Buffer.from(JSON.stringify(record)));
    return super.set(key, this.fromDisk(record, stem));
  }

  override delete(key: string): boolean {
    const stem = stemOf(key);
    // The record first: without it the bytes are discarded on the next start.
    rmSync(join(this.dir, `${stem}.json`), { force: true });
    rmSync(join(this.dir, `${stem}.body`), { force: true });
    return super.delete(key);
  }

  override clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }

  private fromDisk(record: ObjectRecord, stem: string): S3Object {
    const path = join(this.dir, `${stem}.body`);
    return {
      ...record,
      lastModified: new Date(record.lastModified),
      get body() {
        return readFileSync(path);
      },
    } as S3Object;
  }
}

function stemOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Writes `bytes` to a temporary file, flushes it to disk, then renames it into place. */
function writeDurably(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
