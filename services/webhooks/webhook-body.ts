import { PayloadUnavailableError, StorageUnavailableError } from '../shared/errors.js';
import type { StoredBody, Webhook } from './webhook.js';
import { sha256 } from './webhook-ledger.js';

/**
 * The payload bucket's objects, as capture writes them and processing and the operator read them.
 * On AWS an S3 bucket of the stack (services/webhooks/s3-payload-store.ts); in unit tests a map.
 */
export interface PayloadStore {
  /** @throws when the object could not be written. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** @throws when the object could not be read (missing included). */
  get(key: string): Promise<Uint8Array>;
}

/**
 * The prefix every payload object is under: the capture function may put objects under it and
 * nowhere else (stack/webhook-stack.ts grants exactly `<bucket>/<prefix>*`).
 */
export const PAYLOAD_KEY_PREFIX = 'webhooks/';

/**
 * The object key of a webhook's body: its id and the body's SHA-256. A sender's retry of the same
 * webhook writes the same key (the same bytes again); a copy with the same event id but another
 * body writes another key, so it can never overwrite the body the stored webhook points at (that
 * copy is a duplicate, and its object an orphan the lifecycle rule removes).
 */
export function payloadKey(webhookId: string, bodySha256: string): string {
  return `${PAYLOAD_KEY_PREFIX}${webhookId}/${bodySha256}`;
}

export interface StoreBodyOptions {
  /** Bodies up to this many bytes stay in the WEBHOOK item; larger ones go to the store. */
  readonly inlineMaxBytes: number;
  readonly store: PayloadStore;
}

/**
 * Keeps a body where it belongs: inline up to the threshold, else written to the payload store
 * first (before the table transaction, so an item never points at an object that was not written).
 * @throws StorageUnavailableError when the object could not be written: the sender retries and
 * nothing is in the table.
 */
export async function storeWebhookBody(
  webhookId: string,
  bytes: Uint8Array,
  options: StoreBodyOptions,
): Promise<StoredBody> {
  const digest = sha256(bytes);
  if (bytes.byteLength <= options.inlineMaxBytes) {
    return { location: 'inline', size: bytes.byteLength, sha256: digest, bytes };
  }
  const key = payloadKey(webhookId, digest);
  try {
    await options.store.put(key, bytes);
  } catch (error) {
    throw new StorageUnavailableError(
      'The webhook body could not be stored; the sender should retry.',
      { cause: error, context: { webhookId, key, size: bytes.byteLength } },
    );
  }
  return { location: 's3', size: bytes.byteLength, sha256: digest, key };
}

/**
 * A webhook's body, byte for byte, wherever it is kept: the one way every consumer (processing,
 * `show`, the operator tools) reads a payload.
 * @throws PayloadUnavailableError when a claim-checked body cannot be read or is not the bytes
 * the webhook recorded (size or SHA-256).
 */
export async function readWebhookBody(
  webhook: Pick<Webhook, 'id' | 'body'>,
  store: Pick<PayloadStore, 'get'> | undefined,
): Promise<Buffer> {
  const { body } = webhook;
  if (body.location === 'inline') {
    return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  }
  const context = { webhookId: webhook.id, key: body.key, size: body.size };
  if (!store) {
    throw new PayloadUnavailableError(
      'The body is in the payload bucket, and no bucket is configured to read it from.',
      { context },
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await store.get(body.key);
  } catch (error) {
    throw new PayloadUnavailableError(
      `The body of webhook ${webhook.id} could not be read from the payload bucket (${body.key}).`,
      { cause: error, context },
    );
  }
  if (bytes.byteLength !== body.size || sha256(bytes) !== body.sha256) {
    throw new PayloadUnavailableError(
      `The object ${body.key} is not the body webhook ${webhook.id} recorded ` +
        `(${bytes.byteLength} bytes, expected ${body.size} with SHA-256 ${body.sha256}).`,
      { context },
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
