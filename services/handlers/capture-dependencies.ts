import { createProviders, PROVIDERS } from '../providers/registry.js';
import { getS3Client } from '../shared/aws-clients.js';
import { getSettings } from '../shared/config.js';
import { resolveSecrets } from '../shared/secrets.js';
import { getSsmClient } from '../shared/ssm-client.js';
import type { CaptureDependencies } from '../webhooks/capture-webhook.js';
import { createS3PayloadStore } from '../webhooks/s3-payload-store.js';
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
  const sources = Object.fromEntries(
    PROVIDERS.map(({ name, secret }) => [
      name,
      secret.optional
        ? settings.optionalSecretSource(secret.variable)
        : settings.secretSource(secret.variable),
    ]),
  );
  const secrets = await resolveSecrets(sources, getSsmClient);
  return {
    providers: createProviders(secrets),
    ledger: getWebhookTable().ledger,
    maxPayloadBytes: settings.maxPayloadBytes,
    claimCheck: {
      store: createS3PayloadStore(getS3Client, settings.payloadBucket),
      inlineMaxBytes: settings.payloadInlineMaxBytes,
    },
    faultInjection: settings.faultInjection,
  };
}
