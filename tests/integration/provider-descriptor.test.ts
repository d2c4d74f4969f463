import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviders, PROVIDERS } from '../../services/providers/registry.js';
import { readSettings } from '../../services/shared/config.js';
import { captureWebhook } from '../../services/webhooks/capture-webhook.js';
import { deriveWebhookId } from '../../services/webhooks/webhook-id.js';
import { sha256 } from '../../services/webhooks/webhook-ledger.js';
import { acme } from '../fixtures/acme-provider.js';
import { requestBody } from '../helpers/capture-request.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';

let storage: LocalStorage;
beforeAll(async () => {
  storage = await startLocalStorage();
});
afterAll(async () => {
  await storage?.stop();
});

describe('a provider added from its descriptor alone', () => {
  it('is configured from its secret setting and captures a signed webhook into DynamoDB', async () => {
    const descriptors = [...PROVIDERS, acme];
    // The capture function's own wiring: each descriptor's secret setting, read from the
    // environment the stack writes (the local profile puts the values themselves there).
    const settings = readSettings({
      ACME_WEBHOOK_SECRET: 'acme_secret',
      ...Object.fromEntries(PROVIDERS.map((d) => [d.secret.variable, d.secret.localDefault])),
    });
    const secrets = Object.fromEntries(
      descriptors.map(({ name, secret }) => {
        const source = settings.secretSource(secret.variable);
        return [name, 'values' in source ? source.values : []];
      }),
    );
    const providers = createProviders(secrets, descriptors);
    expect(providers.has('acme')).toBe(true);

    const rawBody = JSON.stringify({ type: 'widget.created', at: '2026-12-01T10:00:00.000Z' });
    const headers = acme.create(['acme_secret']).sign({
      rawBody,
      timestamp: new Date(),
      eventId: 'acme-delivery-1',
    });
    const result = await captureWebhook(
      {
        providers,
        ledger: storage.store().ledger,
        maxPayloadBytes: 256 * 1024,
        faultInjection: false,
      },
      { provider: 'acme', ...requestBody(rawBody), headers, receivedAt: new Date() },
    );

    expect(result).toMatchObject({ duplicate: false, provider: 'acme' });
    expect(result.id).toBe(deriveWebhookId('acme', 'acme-delivery-1'));
    expect(acme.eventIdOf(rawBody, headers)).toBe('acme-delivery-1');
    const stored = await storage.store().ledger.getWebhook(result.id);
    expect(stored).toMatchObject({
      provider: 'acme',
      eventType: 'widget.created',
      eventId: 'acme-delivery-1',
      occurredAt: '2026-12-01T10:00:00.000Z',
      body: { location: 'inline', sha256: sha256(rawBody) },
      headers: { 'x-acme-delivery': 'acme-delivery-1', 'content-type': 'application/json' },
    });
  }, 120_000);
});
