import { describe, expect, it } from 'vitest';
import { deriveWebhookId, isWebhookId } from '../../../services/webhooks/webhook-id.js';

const EVENT_ID = 'evt_1NG8Du2eZvKYlo2CUI79vXWy';

describe('deriveWebhookId', () => {
  it('is deterministic: the same event always maps to the same id', () => {
    expect(deriveWebhookId('stripe', EVENT_ID)).toBe(deriveWebhookId('stripe', EVENT_ID));
  });

  it('matches an independent RFC 4122 v5 implementation (pinned ids)', () => {
    // Computed with Python's uuid.uuid5(UUID('6f1c8a52-e0f9-4c1b-9d7a-3e55b2c4d801'), name).
    // Pinned because a changed id would orphan every stored webhook's deduplication.
    expect(deriveWebhookId('stripe', EVENT_ID)).toBe('b8eaaab9-8655-5f46-8050-78290dc8d155');
    expect(deriveWebhookId('bigcommerce', EVENT_ID)).toBe('25850413-02ce-5f4b-8feb-c3e1987329bb');
    expect(deriveWebhookId('stripe', 'evt_123')).toBe('8ff66b49-5208-5442-9de9-6104497bb792');
  });

  it('differs by provider for the same event id', () => {
    expect(deriveWebhookId('stripe', EVENT_ID)).not.toBe(deriveWebhookId('bigcommerce', EVENT_ID));
  });

  it('differs by event id for the same provider', () => {
    expect(deriveWebhookId('stripe', 'evt_1')).not.toBe(deriveWebhookId('stripe', 'evt_2'));
  });

  it.each([
    ['stripe', EVENT_ID],
    ['bigcommerce', 'a1b2c3'],
    ['stripe', ''],
    ['x', 'ünïcödé ✓'],
  ])('is a lower-case RFC 4122 version 5 UUID (%s, %s)', (provider, eventId) => {
    const id = deriveWebhookId(provider, eventId);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Version nibble: the first hex digit of the third group.
    expect(id[14]).toBe('5');
    // Variant 10xx: the first hex digit of the fourth group is 8, 9, a or b.
    expect(id[19]).toMatch(/^[89ab]$/);
    expect(isWebhookId(id)).toBe(true);
  });
});

describe('isWebhookId', () => {
  it('accepts a canonical lower-case UUID', () => {
    expect(isWebhookId('8ff66b49-5208-5442-9de9-6104497bb792')).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['not a uuid', 'evt_1NG8Du2eZvKYlo2CUI79vXWy'],
    ['upper case', '8FF66B49-5208-5442-9DE9-6104497BB792'],
    ['no dashes', '8ff66b49520854429de96104497bb792'],
    ['braces', '{8ff66b49-5208-5442-9de9-6104497bb792}'],
    ['one digit short', '8ff66b49-5208-5442-9de9-6104497bb79'],
    ['one digit long', '8ff66b49-5208-5442-9de9-6104497bb7920'],
    ['non-hex digit', '8ff66b49-5208-5442-9de9-6104497bb79g'],
    ['trailing newline', '8ff66b49-5208-5442-9de9-6104497bb792\n'],
    ['leading space', ' 8ff66b49-5208-5442-9de9-6104497bb792'],
    ['path traversal', '../../8ff66b49-5208-5442-9de9-6104497bb792'],
  ])('rejects %s', (_label, value) => {
    expect(isWebhookId(value)).toBe(false);
  });
});
