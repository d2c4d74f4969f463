import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readStackOutputs,
  remoteClientConfig,
  StackNotDeployedError,
} from '../../tools/operator/stack-outputs.js';
import {
  type FakeStack,
  startFakeCloudFormation,
} from '../../tools/rehearsal/fake-cloudformation.js';

/*
 * How the e2e suite and the compose services find a deployed stack: CloudFormation
 * DescribeStacks through the real SDK, against a local fake of the query API.
 */
let stacks: FakeStack[] = [];
let cfn: Awaited<ReturnType<typeof startFakeCloudFormation>>;

beforeAll(async () => {
  cfn = await startFakeCloudFormation(() => stacks);
});
afterAll(async () => {
  await cfn.close();
});

const env = (extra: Record<string, string> = {}) => ({
  AWS_ENDPOINT_URL: 'http://unused.invalid:4566',
  AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
  ...extra,
});

describe('readStackOutputs', () => {
  it("returns the stack's outputs by key, for the one stack name every target deploys", async () => {
    stacks = [
      {
        name: 'WebhookReceiver',
        status: 'UPDATE_COMPLETE',
        outputs: {
          ApiUrl: 'https://abc.execute-api.localhost.localstack.cloud:4566',
          TableName: 't',
        },
      },
    ];
    const outputs = await readStackOutputs('localstack', {
      env: env(),
      config: { endpoint: cfn.endpoint },
    });
    expect(outputs).toEqual({
      ApiUrl: 'https://abc.execute-api.localhost.localstack.cloud:4566',
      TableName: 't',
    });
    expect(cfn.requests.at(-1)?.get('StackName')).toBe('WebhookReceiver');
  });

  it('reads another stack name from E2E_STACK_NAME', async () => {
    stacks = [{ name: 'Staging', status: 'CREATE_COMPLETE', outputs: { TableName: 's' } }];
    const outputs = await readStackOutputs('localstack', {
      env: env({ E2E_STACK_NAME: 'Staging' }),
      config: { endpoint: cfn.endpoint },
    });
    expect(outputs).toEqual({ TableName: 's' });
  });

  it.each(['ROLLBACK_COMPLETE', 'CREATE_IN_PROGRESS', 'DELETE_COMPLETE'])(
    'refuses a stack in %s and says how to deploy it',
    async (status) => {
      stacks = [{ name: 'WebhookReceiver', status, outputs: {} }];
      const error = await readStackOutputs('localstack', {
        env: env(),
        config: { endpoint: cfn.endpoint },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StackNotDeployedError);
      expect((error as Error).message).toContain(status);
      expect((error as Error).message).toMatch(/docker compose up deployer/);
    },
  );

  it('says the stack is missing, and for aws how to deploy it', async () => {
    stacks = [];
    const error = await readStackOutputs('aws', {
      env: env(),
      config: {
        endpoint: cfn.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        maxAttempts: 1,
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackNotDeployedError);
    expect((error as Error).message).toMatch(/does not exist.*npm run deploy/);
  });
});

describe('remoteClientConfig', () => {
  it("uses LocalStack's published port and default credentials when nothing is set", () => {
    expect(remoteClientConfig('localstack', {})).toEqual({
      endpoint: 'http://localhost.localstack.cloud:4566',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  it('leaves the endpoint to the SDK when AWS_ENDPOINT_URL is set (and per-service overrides)', () => {
    expect(
      remoteClientConfig('localstack', { AWS_ENDPOINT_URL: 'http://localstack:4566' }),
    ).not.toHaveProperty('endpoint');
  });

  it("changes nothing for aws: the SDK's own credential and region chain applies", () => {
    expect(remoteClientConfig('aws', { AWS_ENDPOINT_URL: 'http://x' })).toEqual({});
  });
});
