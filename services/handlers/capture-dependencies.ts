import { createProviders } from '../providers/registry.js';
import { getSettings } from '../shared/config.js';
import type { CaptureDependencies } from '../webhooks/capture-webhook.js';
import { getWebhookStore } from './webhook-store-instance.js';

let capture: CaptureDependencies | undefined;

/** Wiring for the capture handler, built once per container on first use. */
export function captureDependencies(): CaptureDependencies {
  const settings = getSettings();
  capture ??= {
    providers: createProviders({
      stripe: settings.stripeSecrets,
      bigcommerce: settings.bigcommerceSecrets,
    }),
    store: getWebhookStore(),
    maxPayloadBytes: settings.maxPayloadBytes,
    faultInjection: settings.faultInjection,
  };
  return capture;
}
