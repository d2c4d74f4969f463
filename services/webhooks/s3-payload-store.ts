import type { S3Client } from '@aws-sdk/client-s3';
import type { PayloadStore } from './webhook-body.js';

/**
 * The payload bucket on S3 (or fauxqs's S3 locally). Objects are encrypted by the bucket's
 * default encryption (S3-managed keys) and expire by its lifecycle rule (stack/webhook-stack.ts).
 * The client may be given as a promise: the functions load the S3 SDK only when a body needs it.
 */
export function createS3PayloadStore(
  client: S3Client | (() => Promise<S3Client>),
  bucket: string,
): PayloadStore {
  const s3 = typeof client === 'function' ? client : async () => client;
  return {
    async put(key, bytes) {
      const [{ PutObjectCommand }, c] = await Promise.all([import('@aws-sdk/client-s3'), s3()]);
      await c.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: 'application/octet-stream',
        }),
      );
    },
    async get(key) {
      const [{ GetObjectCommand }, c] = await Promise.all([import('@aws-sdk/client-s3'), s3()]);
      const { Body } = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!Body) throw new Error(`The object ${key} has no body.`);
      return Body.transformToByteArray();
    },
  };
}
