import { createProviders } from '../providers/registry.js';
import { getSettings } from '../shared/config.js';
import { resolveSecrets } from '../shared/secrets.js';
import { getSsmClient } from '../shared/ssm-client.js';
import type { CaptureDependencies } from '../webhooks/capture-webhook.js';
import { getWebhookTable } from './webhook-table-instance.js';

let capture: Promise<CaptureDependencies> | undefined;

/**
 * Wiring for the capture handler, built once per container on first use. On AWS the provider
 * secrets are read from SSM then (one call, decrypted) and kept for the container's life; a
 * failed build is not kept, so the next webhook tries again.
 */
export function captureDependencies(): Promise<CaptureDependencies> {
  capture ??= buildCaptureDependencies().catch((error: unknown) => {
    capture = undefined;
    throw error;
  });
  return capture;
}

async function buildCaptureDependencies(): Promise<CaptureDependencies> {
  const settings = getSettings();
  const secrets = await resolveSecrets(
    {
      stripe: settings.secretSource('STRIPE_WEBHOOK_SECRET'),
      bigcommerce: settings.secretSource('BIGCOMMERCE_CLIENT_SECRET'),
      github: settings.optionalSecretSource('GITHUB_WEBHOOK_SECRET'),
      shopify: settings.optionalSecretSource('SHOPIFY_CLIENT_SECRET'),
      standardWebhooks: settings.optionalSecretSource('STANDARD_WEBHOOKS_SECRET'),
    },
    getSsmClient,
  );
  return {
    providers: createProviders(secrets),
    ledger: getWebhookTable().ledger,
    maxPayloadBytes: settings.maxPayloadBytes,
    faultInjection: settings.faultInjection,
  };
}
