import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../../services/shared/config.js';
import { type ProfileName, resolveProfile } from '../../../stack/profile.js';
import {
  ATTENTION_INDEX,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
  WEBHOOK_SORT_KEY,
} from '../../../stack/table-schema.js';
import { STACK_NAME, WebhookStack } from '../../../stack/webhook-stack.js';
import { observabilityChecks } from './observability-checks.js';
import { TEMPLATE_ONLY_APP } from './synth-context.js';

// Synthesis without bundling (the template is the same; see ./synth-context.ts), on a slow machine.
const SYNTH_TIMEOUT_MS = 120_000;

const PROFILES: readonly ProfileName[] = ['local', 'aws'];

/** A developer's shell: fault injection on and their own secrets, as `npm start` reads `.env`. */
const DEV_ENV = {
  FAULT_INJECTION: '1',
  STRIPE_WEBHOOK_SECRET: 'whsec_from_the_developer_env',
  BIGCOMMERCE_CLIENT_SECRET: 'bigcommerce_secret_from_the_developer_env',
};

const synthesized = new Map<string, Template>();

/** The template of a profile from an environment; each one synthesized once per file. */
function synth(profile: ProfileName, env: Record<string, string>): Template {
  const key = JSON.stringify([profile, env]);
  let template = synthesized.get(key);
  if (!template) {
    const app = new App(TEMPLATE_ONLY_APP);
    const stack = new WebhookStack(app, STACK_NAME, { profile: resolveProfile(profile, env) });
    template = Template.fromStack(stack);
    synthesized.set(key, template);
  }
  return template;
}

/** The logical id and resource of the only resource of `type` (optionally: whose id starts so). */
function only(templ: Template, type: string, idPrefix = '') {
  const found = Object.entries(templ.findResources(type)).filter(([id]) => id.startsWith(idPrefix));
  expect(found.map(([id]) => id)).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, resource, props: resource.Properties };
}

/** Every function's environment variables, by logical id; never vacuous. */
function functionEnvironments(templ: Template): Record<string, Record<string, unknown>> {
  const functions = templ.findResources('AWS::Lambda::Function');
  expect(Object.keys(functions)).toHaveLength(4);
  return Object.fromEntries(
    Object.entries(functions).map(([id, fn]) => [id, fn.Properties?.Environment?.Variables ?? {}]),
  );
}

function resourceTypes(templ: Template): string[] {
  return Object.values(templ.toJSON().Resources as Record<string, { Type: string }>)
    .map((r) => r.Type)
    .sort();
}

const templates = {} as Record<ProfileName, Template>;
/** `local` synthesized from a developer's shell. */
let localDev: Template;

beforeAll(() => {
  // `local` exactly as its defaults give it; `aws` from a developer's shell, which it must ignore.
  templates.local = synth('local', {});
  templates.aws = synth('aws', DEV_ENV);
  localDev = synth('local', DEV_ENV);
}, SYNTH_TIMEOUT_MS);

describe.each(PROFILES)('the %s profile', (name) => {
  const templ = () => templates[name];
  const table = () => only(templ(), 'AWS::DynamoDB::Table');
  const failedQueue = () => only(templ(), 'AWS::SQS::Queue', 'FailedWebhooksQueue');
  const deadLetterQueue = () => only(templ(), 'AWS::SQS::Queue', 'DeadWebhooksQueue');
  const topic = () => only(templ(), 'AWS::SNS::Topic');
  const fn = (prefix: 'CaptureFunction' | 'ProcessFunction' | 'RetryFunction' | 'SweepFunction') =>
    only(templ(), 'AWS::Lambda::Function', prefix);

  function mappings() {
    const all = Object.values(templ().findResources('AWS::Lambda::EventSourceMapping'));
    expect(all).toHaveLength(2);
    // Stream mappings have a starting position; SQS mappings cannot.
    const stream = all.filter((m) => m.Properties.StartingPosition !== undefined);
    const sqs = all.filter((m) => m.Properties.StartingPosition === undefined);
    expect(stream).toHaveLength(1);
    expect(sqs).toHaveLength(1);
    return { stream: stream[0]!.Properties, sqs: sqs[0]!.Properties };
  }

  describe('the webhooks table', () => {
    it('is the single table, keyed PK/SK strings, on demand, streaming new images, with TTL', () => {
      templ().resourceCountIs('AWS::DynamoDB::Table', 1);
      templ().hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: SORT_KEY, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: SORT_KEY, AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      });
    });

    it(`is ${name === 'aws' ? 'retained' : 'deleted'} with the stack`, () => {
      const expected = name === 'aws' ? 'Retain' : 'Delete';
      const { resource } = table();
      expect(resource.DeletionPolicy).toBe(expected);
      expect(resource.UpdateReplacePolicy).toBe(expected);
    });
  });

  describe('the queues and the topic', () => {
    it('are two queues and one topic', () => {
      templ().resourceCountIs('AWS::SQS::Queue', 2);
      templ().resourceCountIs('AWS::SNS::Topic', 1);
    });

    it('redrive the failed queue to the dead letter queue on the third receive', () => {
      expect(failedQueue().props.RedrivePolicy).toEqual({
        maxReceiveCount: 2,
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueue().id, 'Arn'] },
      });
      expect(deadLetterQueue().props.RedrivePolicy).toBeUndefined();
    });

    it("keep a failed message invisible at least as long as the retry function's timeout", () => {
      const visibility = failedQueue().props.VisibilityTimeout;
      const timeout = fn('RetryFunction').props.Timeout;
      expect(typeof visibility).toBe('number');
      expect(typeof timeout).toBe('number');
      expect(visibility).toBeGreaterThanOrEqual(timeout);
    });
  });

  describe('the functions', () => {
    it("are the brief's three plus the sweeper, on Node.js 22, with the bundled index.handler", () => {
      templ().resourceCountIs('AWS::Lambda::Function', 4);
      const functions = Object.values(templ().findResources('AWS::Lambda::Function'));
      for (const f of functions) {
        expect(f.Properties.Runtime).toBe('nodejs22.x');
        expect(f.Properties.Handler).toBe('index.handler');
      }
    });

    it('include a sweeper run by an EventBridge schedule', () => {
      const rules = Object.values(templ().findResources('AWS::Events::Rule'));
      expect(rules).toHaveLength(1);
      expect(rules[0]?.Properties.ScheduleExpression).toMatch(/^rate\(\d+ minutes?\)$/);
      expect(rules[0]?.Properties.Targets[0].Arn).toEqual({
        'Fn::GetAtt': [fn('SweepFunction').id, 'Arn'],
      });
    });

    it('index the status items that need attention in a sparse GSI', () => {
      templ().hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: ATTENTION_INDEX.name,
            KeySchema: [
              { AttributeName: ATTENTION_INDEX.partitionKey, KeyType: 'HASH' },
              { AttributeName: ATTENTION_INDEX.sortKey, KeyType: 'RANGE' },
            ],
          }),
        ],
      });
    });

    it('all find the table by reference', () => {
      const tableRef = { Ref: table().id };
      for (const prefix of ['CaptureFunction', 'ProcessFunction', 'RetryFunction'] as const) {
        expect(fn(prefix).props.Environment.Variables.TABLE_NAME).toEqual(tableRef);
      }
    });

    it.each(['ProcessFunction', 'RetryFunction'] as const)(
      '%s knows the failed queue, the operator topic and the receive limit',
      (prefix) => {
        const variables = fn(prefix).props.Environment.Variables;
        expect(variables.FAILED_QUEUE_URL).toEqual({ Ref: failedQueue().id });
        expect(variables.OPERATOR_TOPIC_ARN).toEqual({ Ref: topic().id });
        expect(variables.MAX_RECEIVE_COUNT).toBe('2');
      },
    );
  });

  describe('the triggers', () => {
    it('run the process function on new webhooks from the table stream', () => {
      const { stream } = mappings();
      expect(stream.StartingPosition).toBe('TRIM_HORIZON');
      expect(stream.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(stream.BisectBatchOnFunctionError).toBe(true);
      expect(Number.isInteger(stream.MaximumRetryAttempts)).toBe(true);
      expect(stream.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(stream.FunctionName).toEqual({ Ref: fn('ProcessFunction').id });
      expect(stream.EventSourceArn).toEqual({ 'Fn::GetAtt': [table().id, 'StreamArn'] });

      const filters = stream.FilterCriteria?.Filters;
      expect(filters).toHaveLength(1);
      expect(JSON.parse(filters[0].Pattern)).toEqual({
        eventName: ['INSERT'],
        dynamodb: { Keys: { [SORT_KEY]: { S: [WEBHOOK_SORT_KEY] } } },
      });
    });

    it('run the retry function on the failed queue', () => {
      const { sqs } = mappings();
      expect(sqs.FunctionName).toEqual({ Ref: fn('RetryFunction').id });
      expect(sqs.EventSourceArn).toEqual({ 'Fn::GetAtt': [failedQueue().id, 'Arn'] });
      expect(sqs.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    });
  });

  describe('the HTTP API', () => {
    it('routes POST /api/webhooks/{provider} to the capture function', () => {
      const routes = templ().findResources('AWS::ApiGatewayV2::Route', {
        Properties: { RouteKey: 'POST /api/webhooks/{provider}' },
      });
      const routeList = Object.values(routes);
      expect(routeList).toHaveLength(1);
      const integrationId = routeList[0]!.Properties.Target?.['Fn::Join']?.[1]?.[1]?.Ref;
      expect(routeList[0]!.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
      });

      const integration = only(templ(), 'AWS::ApiGatewayV2::Integration', integrationId);
      expect(integration.id).toBe(integrationId);
      expect(integration.props).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fn('CaptureFunction').id, 'Arn'] },
      });
    });

    it('may invoke the capture function', () => {
      templ().hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fn('CaptureFunction').id, 'Arn'] },
      });
    });
  });

  it('outputs what the emulator and the operators need', () => {
    const outputs = templ().toJSON().Outputs ?? {};
    for (const output of [
      'ApiUrl',
      ...(name === 'local' ? ['CaptureFunctionUrl'] : []),
      'CaptureFunctionName',
      'TableName',
      'FailedQueueUrl',
      'DeadLetterQueueUrl',
      'OperatorTopicArn',
      'DeadLetterAlarmName',
    ]) {
      expect(outputs, output).toHaveProperty(output);
    }
    expect(outputs.TableName.Value).toEqual({ Ref: table().id });
    // The e2e suite invokes it directly where there is no HTTP API (e2e/support/ingress.ts).
    expect(outputs.CaptureFunctionName.Value).toEqual({ Ref: fn('CaptureFunction').id });
    expect(outputs.FailedQueueUrl.Value).toEqual({ Ref: failedQueue().id });
    expect(outputs.DeadLetterQueueUrl.Value).toEqual({ Ref: deadLetterQueue().id });
    expect(outputs.OperatorTopicArn.Value).toEqual({ Ref: topic().id });
  });
});

describe('the settings contract', () => {
  it.each(PROFILES)(
    'each %s function reads back, through services/shared/config.ts, the numbers of its profile',
    (name) => {
      const profile = resolveProfile(name, {});
      const environments = Object.entries(functionEnvironments(templates[name]));
      const envOf = (prefix: string) => {
        const found = environments.find(([id]) => id.startsWith(prefix));
        expect(found).toBeDefined();
        // Tokens (table name, queue URL) are objects in the template: only the plain values here.
        return Object.fromEntries(
          Object.entries(found![1]).filter(([, value]) => typeof value === 'string'),
        ) as Record<string, string>;
      };
      const capture = readSettings(envOf('CaptureFunction'));
      expect(capture.retentionDays).toBe(profile.retentionDays);
      expect(capture.maxPayloadBytes).toBe(profile.maxPayloadBytes);
      expect(capture.logLevel).toBe(profile.logLevel);
      const processing = readSettings(envOf('ProcessFunction'));
      expect(processing.leaseSeconds).toBe(profile.leaseSeconds);
      expect(processing.streamRecordConcurrency).toBe(profile.streamRecordConcurrency);
      expect(readSettings(envOf('RetryFunction')).maxReceiveCount).toBe(2);
      expect(readSettings(envOf('SweepFunction')).sweepThresholds).toEqual({
        processingGraceSeconds: profile.sweep.processingGraceSeconds,
        failedAfterSeconds: profile.sweep.failedAfterSeconds,
        receivedAfterSeconds: profile.sweep.receivedAfterSeconds,
      });
    },
  );
});

/** The function URL resource and its output, where the profile's ingress has one. */
function functionUrlOf(templ: Template) {
  const urls = Object.entries(templ.findResources('AWS::Lambda::Url'));
  expect(urls).toHaveLength(1);
  const [id, url] = urls[0]!;
  return { id, props: url.Properties, output: templ.toJSON().Outputs?.CaptureFunctionUrl };
}

const captureId = (templ: Template) =>
  Object.keys(templ.findResources('AWS::Lambda::Function')).find((id) =>
    id.startsWith('CaptureFunction'),
  )!;

describe('the ingress (STACK_INGRESS)', () => {
  /** Each profile with an ingress it does not have by default. */
  let awsBoth: Template;
  let localFunctionUrlOnly: Template;
  beforeAll(() => {
    awsBoth = synth('aws', { STACK_INGRESS: 'both' });
    localFunctionUrlOnly = synth('local', { STACK_INGRESS: 'function-url' });
  }, SYNTH_TIMEOUT_MS);

  it('gives both profiles exactly the same resource types when their ingress is the same', () => {
    expect(resourceTypes(awsBoth)).toEqual(resourceTypes(templates.local));
    expect(resourceTypes(templates.local)).toContain('AWS::SQS::QueuePolicy');
  });

  it('leaves the profiles different by default only in the function URL and its two permissions', () => {
    const extra = [...resourceTypes(templates.local)];
    for (const type of resourceTypes(templates.aws)) {
      expect(extra, type).toContain(type);
      extra.splice(extra.indexOf(type), 1);
    }
    expect(extra).toEqual([
      'AWS::Lambda::Permission',
      'AWS::Lambda::Permission',
      'AWS::Lambda::Url',
    ]);
  });

  it('is both in local: the HTTP API and a function URL with auth NONE on the capture function', () => {
    const templ = templates.local;
    expect(Object.keys(templ.findResources('AWS::ApiGatewayV2::Api'))).toHaveLength(1);
    const url = functionUrlOf(templ);
    expect(url.props).toEqual({
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [captureId(templ), 'Arn'] },
    });
    expect(url.output).toEqual({ Value: { 'Fn::GetAtt': [url.id, 'FunctionUrl'] } });
  });

  it('lets anyone call that URL, and nothing else: no function but capture may be invoked through one', () => {
    const templ = templates.local;
    const fnArn = { 'Fn::GetAtt': [captureId(templ), 'Arn'] };
    templ.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      FunctionUrlAuthType: 'NONE',
      Principal: '*',
      FunctionName: fnArn,
    });
    // Since October 2025 a public function URL needs lambda:InvokeFunction too, only through the URL.
    templ.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      InvokedViaFunctionUrl: true,
      Principal: '*',
      FunctionName: fnArn,
    });
    const publicPermissions = Object.values(templ.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === '*',
    );
    expect(publicPermissions).toHaveLength(2);
    for (const permission of publicPermissions) {
      expect(permission.Properties.FunctionName).toEqual(fnArn);
    }
  });

  it('is the HTTP API alone in aws: no function URL, no public permission, no URL output', () => {
    const templ = templates.aws;
    expect(templ.findResources('AWS::Lambda::Url')).toEqual({});
    expect(
      Object.values(templ.findResources('AWS::Lambda::Permission')).filter(
        (p) => p.Properties.Principal === '*',
      ),
    ).toEqual([]);
    expect(templ.toJSON().Outputs).not.toHaveProperty('CaptureFunctionUrl');
    expect(templ.toJSON().Outputs).toHaveProperty('ApiUrl');
  });

  it('adds the function URL in aws when asked for both', () => {
    expect(functionUrlOf(awsBoth).props.AuthType).toBe('NONE');
    expect(awsBoth.toJSON().Outputs).toHaveProperty('ApiUrl');
  });

  it('drops the HTTP API, its access log and ApiUrl when asked for the function URL alone', () => {
    const templ = localFunctionUrlOnly;
    for (const type of [
      'AWS::ApiGatewayV2::Api',
      'AWS::ApiGatewayV2::Route',
      'AWS::ApiGatewayV2::Stage',
      'AWS::Logs::LogGroup',
    ]) {
      expect(templ.findResources(type), type).toEqual({});
    }
    expect(templ.toJSON().Outputs).not.toHaveProperty('ApiUrl');
    expect(functionUrlOf(templ).output).toBeDefined();
  });

  it('refuses anything else, naming the variable and the choices', () => {
    expect(() => resolveProfile('aws', { STACK_INGRESS: 'alb' })).toThrow(
      'STACK_INGRESS must be http-api, function-url, both, not "alb".',
    );
    expect(resolveProfile('local', { STACK_INGRESS: ' ' }).ingress).toBe('both');
    expect(resolveProfile('aws', {}).ingress).toBe('http-api');
  });
});

describe("a stream batch's records", () => {
  it('run all at once, on AWS and locally, in the process function only', () => {
    const concurrency = (templ: Template) =>
      Object.entries(functionEnvironments(templ))
        .filter(([, variables]) => 'STREAM_RECORD_CONCURRENCY' in variables)
        .map(([id, variables]) => [
          id.replace(/[0-9A-F]{8}$/, ''),
          variables.STREAM_RECORD_CONCURRENCY,
        ]);
    expect(concurrency(templates.aws)).toEqual([['ProcessFunction', '10']]);
    expect(concurrency(templates.local)).toEqual([['ProcessFunction', '10']]);
  });

  it('may run fewer at once locally when STREAM_RECORD_CONCURRENCY says so', () => {
    expect(
      resolveProfile('local', { STREAM_RECORD_CONCURRENCY: '1' }).streamRecordConcurrency,
    ).toBe(1);
    expect(() => resolveProfile('local', { STREAM_RECORD_CONCURRENCY: '0' })).toThrow(
      /positive whole/,
    );
  });
});

describe('fault injection', () => {
  it('is on in every local function when FAULT_INJECTION=1', () => {
    const environments = Object.values(functionEnvironments(localDev));
    for (const variables of environments) expect(variables.FAULT_INJECTION).toBe('1');
  });

  it('is off in every local function without FAULT_INJECTION', () => {
    for (const variables of Object.values(functionEnvironments(templates.local))) {
      expect(variables).not.toHaveProperty('FAULT_INJECTION');
    }
  });

  it('is never on in aws, even when FAULT_INJECTION=1', () => {
    for (const variables of Object.values(functionEnvironments(templates.aws))) {
      expect(variables).not.toHaveProperty('FAULT_INJECTION');
    }
  });
});

describe('provider secrets', () => {
  const SECRET_NAMES = ['STRIPE_WEBHOOK_SECRET', 'BIGCOMMERCE_CLIENT_SECRET'];

  it('are in no aws function environment, even when set in the shell: only SSM parameter names are', () => {
    for (const variables of Object.values(functionEnvironments(templates.aws))) {
      for (const secret of SECRET_NAMES) expect(variables).not.toHaveProperty(secret);
    }
    const capture = only(templates.aws, 'AWS::Lambda::Function', 'CaptureFunction');
    expect(capture.props.Environment.Variables).toMatchObject({
      STRIPE_WEBHOOK_SECRET_PARAMETER: '/webhook-receiver/stripe-webhook-secret',
      BIGCOMMERCE_CLIENT_SECRET_PARAMETER: '/webhook-receiver/bigcommerce-client-secret',
    });
    const text = JSON.stringify(templates.aws.toJSON());
    expect(text).not.toContain(DEV_ENV.STRIPE_WEBHOOK_SECRET);
    expect(text).not.toContain(DEV_ENV.BIGCOMMERCE_CLIENT_SECRET);
    expect(text).not.toContain('whsec_local_stripe_dev_secret');
    expect(text).not.toContain('local_bigcommerce_client_secret');
  });

  it('default to the documented development secrets in local, for the capture function only', () => {
    const environments = functionEnvironments(templates.local);
    const withSecrets = Object.entries(environments).filter(([, variables]) =>
      SECRET_NAMES.some((secret) => secret in variables),
    );
    expect(withSecrets.map(([id]) => id)).toEqual([
      only(templates.local, 'AWS::Lambda::Function', 'CaptureFunction').id,
    ]);
    expect(withSecrets[0]![1]).toMatchObject({
      STRIPE_WEBHOOK_SECRET: 'whsec_local_stripe_dev_secret',
      BIGCOMMERCE_CLIENT_SECRET: 'local_bigcommerce_client_secret',
    });
  });

  it('takes the provider secrets from the environment in local', () => {
    const capture = only(localDev, 'AWS::Lambda::Function', 'CaptureFunction');
    expect(capture.props.Environment.Variables).toMatchObject({
      STRIPE_WEBHOOK_SECRET: DEV_ENV.STRIPE_WEBHOOK_SECRET,
      BIGCOMMERCE_CLIENT_SECRET: DEV_ENV.BIGCOMMERCE_CLIENT_SECRET,
    });
  });
});

describe('optional provider secrets (GitHub, Shopify, Standard Webhooks)', () => {
  const OPTIONAL = ['GITHUB_WEBHOOK_SECRET', 'SHOPIFY_CLIENT_SECRET', 'STANDARD_WEBHOOKS_SECRET'];

  it('default to the documented development secrets in local, on the capture function', () => {
    const capture = only(templates.local, 'AWS::Lambda::Function', 'CaptureFunction');
    expect(capture.props.Environment.Variables).toMatchObject({
      GITHUB_WEBHOOK_SECRET: 'github_local_webhook_secret',
      SHOPIFY_CLIENT_SECRET: 'shopify_local_client_secret',
      STANDARD_WEBHOOKS_SECRET: 'whsec_bG9jYWwtc3RhbmRhcmQtd2ViaG9va3MtZGV2LWtleSE=',
    });
  });

  it(
    'are taken from the environment in local',
    () => {
      const env = {
        GITHUB_WEBHOOK_SECRET: 'github_from_the_developer_env',
        SHOPIFY_CLIENT_SECRET: 'shopify_from_the_developer_env',
        STANDARD_WEBHOOKS_SECRET: 'whsec_ZnJvbSB0aGUgZGV2ZWxvcGVyIGVudmlyb25tZW50',
      };
      const capture = only(synth('local', env), 'AWS::Lambda::Function', 'CaptureFunction');
      expect(capture.props.Environment.Variables).toMatchObject(env);
    },
    SYNTH_TIMEOUT_MS,
  );

  it('are in no aws function environment: there the providers are off', () => {
    const functions = Object.values(templates.aws.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const variables = fn.Properties?.Environment?.Variables ?? {};
      for (const name of OPTIONAL) {
        expect(variables).not.toHaveProperty(name);
        expect(variables).not.toHaveProperty(`${name}_PARAMETER`);
      }
    }
    expect(JSON.stringify(templates.aws.toJSON())).not.toContain('github_local_webhook_secret');
  });
});

describe('resolveProfile', () => {
  it('rejects an unknown profile name', () => {
    expect(() => resolveProfile('nope', {})).toThrow(/Unknown stack profile "nope"/);
  });
});

describe('observability', () => {
  observabilityChecks(() => templates, synth, SYNTH_TIMEOUT_MS);
});
