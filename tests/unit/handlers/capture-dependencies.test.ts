import type { GetParametersCommand, GetParametersCommandOutput } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStripeProvider } from '../../../services/providers/stripe.js';
import { stripeEvent } from '../../../tools/signing-proxy/events.js';

/*
 * The capture function's wiring on AWS: secrets from SSM, read once per container. The SSM
 * client is a stub (no network); everything else is the real module graph, fresh per test.
 */
const send = vi.fn<(command: GetParametersCommand) => Promise<GetParametersCommandOutput>>();
vi.mock('../../../services/shared/ssm-client.js', async () => {
  // A real client (Powertools insists on one) whose calls go to the stub.
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  Object.assign(client, { send: (command: GetParametersCommand) => send(command) });
  return { getSsmClient: () => client };
});

const ENV = {
  TABLE_NAME: 'webhooks',
  PAYLOAD_BUCKET: 'payloads',
  STRIPE_WEBHOOK_SECRET_PARAMETER: '/webhook-receiver/stripe-webhook-secret',
  BIGCOMMERCE_CLIENT_SECRET_PARAMETER: '/webhook-receiver/bigcommerce-client-secret',
};
const SSM_SECRETS: Record<string, string> = {
  '/webhook-receiver/stripe-webhook-secret': 'whsec_from_ssm',
  '/webhook-receiver/bigcommerce-client-secret': 'bigcommerce_from_ssm',
};

function answerFromSsm(): void {
  send.mockImplementation(async (command) => ({
    $metadata: {},
    Parameters: (command.input.Names ?? []).map((name) => ({
      Name: name,
      Type: 'SecureString',
      Value: SSM_SECRETS[name]!,
    })),
    InvalidParameters: [],
  }));
}

async function freshCaptureDependencies() {
  vi.resetModules();
  const module = await import('../../../services/handlers/capture-dependencies.js');
  return module.captureDependencies;
}

beforeEach(() => {
  send.mockReset();
  for (const [name, value] of Object.entries(ENV)) vi.stubEnv(name, value);
  vi.stubEnv('STRIPE_WEBHOOK_SECRET', undefined as unknown as string);
  vi.stubEnv('BIGCOMMERCE_CLIENT_SECRET', undefined as unknown as string);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('captureDependencies on AWS (secrets in SSM)', () => {
  it('reads the secrets from SSM once per container, however many webhooks arrive at once', async () => {
    answerFromSsm();
    const captureDependencies = await freshCaptureDependencies();
    const all = await Promise.all([
      captureDependencies(),
      captureDependencies(),
      captureDependencies(),
    ]);
    await captureDependencies();
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]![0].input).toEqual({
      Names: Object.keys(SSM_SECRETS),
      WithDecryption: true,
    });
    expect(new Set(all).size).toBe(1);
  });

  it('verifies with the secret from SSM', async () => {
    answerFromSsm();
    const deps = await (await freshCaptureDependencies())();
    const rawBody = JSON.stringify(stripeEvent());
    const headers = createStripeProvider({ secrets: ['whsec_from_ssm'] }).sign({
      rawBody,
      timestamp: new Date(),
    });
    const verified = await deps.providers
      .get('stripe')!
      .verify({ rawBody, headers, receivedAt: new Date() });
    expect(verified.eventId).toMatch(/^evt_/);
  });

  it('does not keep a failed read: the next webhook tries SSM again', async () => {
    send.mockRejectedValueOnce(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    const captureDependencies = await freshCaptureDependencies();
    await expect(captureDependencies()).rejects.toThrow(/Rate exceeded/);
    answerFromSsm();
    await expect(captureDependencies()).resolves.toBeDefined();
    expect(send).toHaveBeenCalledTimes(2);
  });
});
