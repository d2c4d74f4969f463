import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_REGION, localClientConfig } from '../../../emulator/local-aws.js';
import { type SqsLocal, startSqsLocal } from '../../../emulator/sqs-local.js';

/*
 * fauxqs's S3 with a data directory: objects outlive the process that stored them, as the
 * table's items do, so a claim-checked body is there after `npm start` is restarted.
 */
let dir: string;
let running: { server: SqsLocal; s3: S3Client } | undefined;

async function start(s3Dir: string | null = dir) {
  const server = await startSqsLocal({
    port: 0,
    region: LOCAL_REGION,
    ...(s3Dir ? { s3Dir } : {}),
  });
  const s3 = new S3Client({ ...localClientConfig(server.endpoint), forcePathStyle: true });
  running = { server, s3 };
  return s3;
}

async function stop() {
  running?.s3.destroy();
  await running?.server.stop();
  running = undefined;
}

async function bytesOf(s3: S3Client, key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: 'payloads', Key: key }));
  return {
    bytes: Buffer.from(await object.Body!.transformToByteArray()),
    contentType: object.ContentType,
    metadata: object.Metadata,
    etag: object.ETag,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 's3-on-disk-'));
});

afterEach(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fauxqs S3 kept in a data directory', () => {
  it('serves after a restart the exact bytes, content type, metadata and ETag it acknowledged', async () => {
    let s3 = await start();
    await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
    const body = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.alloc(300_000, 7)]);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'payloads',
        Key: 'webhooks/abc/body',
        Body: body,
        ContentType: 'application/octet-stream',
        Metadata: { sha256: 'f00' },
      }),
    );
    await stop();

    s3 = await start();
    const after = await bytesOf(s3, 'webhooks/abc/body');
    expect(after.bytes.equals(body)).toBe(true);
    expect(after).toMatchObject({
      contentType: 'application/octet-stream',
      metadata: { sha256: 'f00' },
      etag: put.ETag,
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'payloads' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['webhooks/abc/body', body.length],
    ]);
    // Creating the bucket again (the emulator provisions on every start) keeps its objects.
    await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
    expect((await bytesOf(s3, 'webhooks/abc/body')).bytes.equals(body)).toBe(true);
  });

  it('overwrites a key in place and forgets a deleted object across a restart', async () => {
    let s3 = await start();
    await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
    await s3.send(new PutObjectCommand({ Bucket: 'payloads', Key: 'a', Body: 'first' }));
    await s3.send(new PutObjectCommand({ Bucket: 'payloads', Key: 'a', Body: 'second' }));
    await s3.send(new PutObjectCommand({ Bucket: 'payloads', Key: 'b', Body: 'gone soon' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'payloads', Key: 'b' }));
    await stop();

    s3 = await start();
    expect((await bytesOf(s3, 'a')).bytes.toString()).toBe('second');
    await expect(s3.send(new GetObjectCommand({ Bucket: 'payloads', Key: 'b' }))).rejects.toThrow(
      NoSuchKey,
    );
    expect(readdirSync(join(dir, 'payloads'))).toHaveLength(2);
  });

  it('discards bytes whose record was never written (a put cut off before it was answered)', async () => {
    let s3 = await start();
    await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
    await s3.send(new PutObjectCommand({ Bucket: 'payloads', Key: 'kept', Body: 'kept' }));
    await stop();
    writeFileSync(join(dir, 'payloads', `${'0'.repeat(64)}.body`), 'half a put');
    writeFileSync(join(dir, 'payloads', `${'1'.repeat(64)}.body.tmp`), 'half a write');

    s3 = await start();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'payloads' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['kept']);
    expect(readdirSync(join(dir, 'payloads')).sort()).toHaveLength(2);
  });

  it('keeps objects in memory only when no data directory is given', async () => {
    let s3 = await start(null);
    await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
    await s3.send(new PutObjectCommand({ Bucket: 'payloads', Key: 'a', Body: 'x' }));
    await stop();
    s3 = await start(null);
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'payloads' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
