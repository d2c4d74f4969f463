import { createHash } from 'node:crypto';

/** Fixed namespace for name-based (v5) UUIDs of webhooks. Changing it changes every id. */
const NAMESPACE = Buffer.from('6f1c8a52e0f94c1b9d7a3e55b2c4d801', 'hex');

/**
 * The webhook id is a UUID v5 of `<provider>:<provider event id>`: the same event, delivered
 * twice at once or days apart, maps to the same id and so to the same DynamoDB item.
 */
export function deriveWebhookId(provider: string, eventId: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${provider}:${eventId}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isWebhookId(value: string): boolean {
  return UUID.test(value);
}
