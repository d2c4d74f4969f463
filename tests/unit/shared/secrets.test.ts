import {
  type GetParametersCommand,
  type GetParametersCommandOutput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { describe, expect, it, vi } from 'vitest';
import { readSettings } from '../../../services/shared/config.js';
import { ConfigurationError } from '../../../services/shared/errors.js';
import { resolveSecrets } from '../../../services/shared/secrets.js';

/** An SSM client stub holding SecureString parameters; records each GetParameters input. */
function ssmStub(parameters: Record<string, { value: string; type?: string }>) {
  const calls: Array<GetParametersCommand['input']> = [];
  // A real client (Powertools insists on one) whose calls never leave the process.
  const client = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  Object.assign(client, {
    send: vi.fn(async (command: GetParametersCommand): Promise<GetParametersCommandOutput> => {
      calls.push(command.input);
      const names = command.input.Names ?? [];
      return {
        $metadata: {},
        Parameters: names
          .filter((name) => name in parameters)
          .map((name) => ({
            Name: name,
            Type: (parameters[name]!.type ?? 'SecureString') as 'SecureString',
            Value: parameters[name]!.value,
          })),
        InvalidParameters: names.filter((name) => !(name in parameters)),
      };
    }),
  });
  return { client, calls };
}

describe('Settings.secretSource', () => {
  it('names the SSM parameter when <VARIABLE>_PARAMETER is set (aws profile)', () => {
    const settings = readSettings({
      STRIPE_WEBHOOK_SECRET_PARAMETER: '/webhook-receiver/stripe-webhook-secret',
    });
    expect(settings.secretSource('STRIPE_WEBHOOK_SECRET')).toEqual({
      parameterName: '/webhook-receiver/stripe-webhook-secret',
      variable: 'STRIPE_WEBHOOK_SECRET',
    });
  });

  it('falls back to the values of the variable itself (local profile)', () => {
    const settings = readSettings({ STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old' });
    expect(settings.secretSource('STRIPE_WEBHOOK_SECRET')).toEqual({
      values: ['whsec_new', 'whsec_old'],
    });
  });

  it('throws a ConfigurationError naming the variable when neither is set', () => {
    expect(() => readSettings({}).secretSource('BIGCOMMERCE_CLIENT_SECRET')).toThrow(
      /BIGCOMMERCE_CLIENT_SECRET/,
    );
  });
});

describe('resolveSecrets', () => {
  it('reads every parameter in one decrypted GetParameters call and splits secret lists', async () => {
    const { client, calls } = ssmStub({
      '/p/stripe': { value: 'whsec_current,whsec_previous' },
      '/p/bigcommerce': { value: 'bc_secret' },
    });
    const secrets = await resolveSecrets(
      {
        stripe: { parameterName: '/p/stripe', variable: 'STRIPE_WEBHOOK_SECRET' },
        bigcommerce: { parameterName: '/p/bigcommerce', variable: 'BIGCOMMERCE_CLIENT_SECRET' },
      },
      () => client,
    );
    expect(secrets).toEqual({
      stripe: ['whsec_current', 'whsec_previous'],
      bigcommerce: ['bc_secret'],
    });
    expect(calls).toEqual([{ Names: ['/p/stripe', '/p/bigcommerce'], WithDecryption: true }]);
  });

  it('never builds an SSM client when every secret is given directly (local profile)', async () => {
    const client = vi.fn<() => SSMClient>();
    const secrets = await resolveSecrets({ stripe: { values: ['whsec_a'] } }, client);
    expect(secrets).toEqual({ stripe: ['whsec_a'] });
    expect(client).not.toHaveBeenCalled();
  });

  it('asks for at most ten names per call', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `/p/${i}`);
    const { client, calls } = ssmStub(Object.fromEntries(names.map((n) => [n, { value: n }])));
    const sources = Object.fromEntries(
      names.map((name) => [name, { parameterName: name, variable: name }]),
    );
    await resolveSecrets(sources, () => client);
    expect(calls.map((c) => c.Names?.length)).toEqual([10, 2]);
  });

  it('names a missing parameter, and where to create it', async () => {
    const { client } = ssmStub({});
    const error = await resolveSecrets(
      { stripe: { parameterName: '/p/stripe', variable: 'STRIPE_WEBHOOK_SECRET' } },
      () => client,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/\/p\/stripe.*SecureString.*docs\/deploy\.md/);
  });

  it('refuses a parameter that holds no secret', async () => {
    const { client } = ssmStub({ '/p/stripe': { value: ' , ' } });
    await expect(
      resolveSecrets(
        { stripe: { parameterName: '/p/stripe', variable: 'STRIPE_WEBHOOK_SECRET' } },
        () => client,
      ),
    ).rejects.toThrow(/holds no secret/);
  });
});
