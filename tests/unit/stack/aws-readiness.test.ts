import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_REGISTRY } from '../../../services/providers/registry.js';
import { type ProfileName, resolveProfile } from '../../../stack/profile.js';
import { STACK_NAME, WebhookStack } from '../../../stack/webhook-stack.js';
import { TEMPLATE_ONLY_APP } from './synth-context.js';

// Synthesis without bundling (the template is the same; see ./synth-context.ts), on a slow machine.
const SYNTH_TIMEOUT_MS = 120_000;

interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: Array<{ ruleName: string; severity: string }>;
  suppressedViolations?: Array<{
    ruleName: string;
    reason: string;
    violatingConstructs: Array<{ constructPath: string }>;
  }>;
}

const outdirs: string[] = [];

/** Synthesizes as `cdk synth` does for AWS: with cdk-nag's AwsSolutions pack as a validation plugin. */
function synthWithNag(
  profile: ProfileName,
  env: Record<string, string> = {},
): { template: Template; report: PluginReport } {
  const outdir = mkdtempSync(join(tmpdir(), 'webhooks-nag-'));
  outdirs.push(outdir);
  const app = new App({ ...TEMPLATE_ONLY_APP, outdir });
  new WebhookStack(app, STACK_NAME, { profile: resolveProfile(profile, env) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Throws "Validation failed" (and prints each finding) on any unacknowledged error.
  const assembly = app.synth();
  const reports = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: PluginReport[];
  };
  const report = reports.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  if (!report) throw new Error('cdk-nag wrote no AwsSolutions report');
  return {
    template: Template.fromJSON(assembly.getStackByName(STACK_NAME).template),
    report,
  };
}

interface CfnResourceJson {
  Type: string;
  Condition?: string;
  Properties?: {
    Role?: { 'Fn::GetAtt': [string, string] };
    Environment?: { Variables?: Record<string, unknown> };
    [property: string]: unknown;
  };
}
type Resources = Record<string, CfnResourceJson>;

let aws: { template: Template; report: PluginReport };
let local: { template: Template; report: PluginReport };

beforeAll(() => {
  aws = synthWithNag('aws');
  local = synthWithNag('local');
}, SYNTH_TIMEOUT_MS);
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

function functionId(template: Template, prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
    id.startsWith(prefix),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** Every IAM statement attached to a function's role, from every policy on that role. */
function statementsOf(template: Template, functionPrefix: string) {
  const fn = resources(template)[functionId(template, functionPrefix)]!;
  const roleId = fn.Properties!.Role!['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId),
    )
    .flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as Array<{
          Action: string | string[];
          Resource: unknown;
          Effect: string;
        }>,
    );
}

const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();

const ACKNOWLEDGED_RULES = [
  'AwsSolutions-L1',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'AwsSolutions-IAM5[Resource::*]',
  'AwsSolutions-APIG4',
  'AwsSolutions-S1',
];
/** The payload bucket's object grants: `<PayloadBucket….Arn>/webhooks/*`. */
const PAYLOAD_OBJECTS_RULE =
  /^AwsSolutions-IAM5\[Resource::<PayloadBucket[0-9A-F]{8}\.Arn>\/webhooks\/\*\]$/;

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the aws profile, not even a warning', () => {
    expect(aws.report.conclusion).toBe('success');
    expect(aws.report.violations).toEqual([]);
  });

  it('acknowledges only reviewed kinds of finding, each with a written reason', () => {
    const suppressed = aws.report.suppressedViolations ?? [];
    expect(suppressed.length).toBeGreaterThan(0);
    for (const finding of suppressed) {
      if (!PAYLOAD_OBJECTS_RULE.test(finding.ruleName)) {
        expect(ACKNOWLEDGED_RULES, finding.ruleName).toContain(finding.ruleName);
      }
      expect(finding.reason.length, finding.ruleName).toBeGreaterThan(60);
    }
  });

  it('acknowledges Resource::* only where it is dynamodb:ListStreams (the stream trigger)', () => {
    const paths = (aws.report.suppressedViolations ?? [])
      .filter((f) => f.ruleName === 'AwsSolutions-IAM5[Resource::*]')
      .flatMap((f) => f.violatingConstructs.map((c) => c.constructPath));
    expect(paths).toEqual(['WebhookReceiver/ProcessFunction/ServiceRole/DefaultPolicy/Resource']);
  });

  it(
    'finds nothing new in aws with a public function URL as well: nothing to acknowledge',
    () => {
      const withUrl = synthWithNag('aws', { STACK_INGRESS: 'both' });
      expect(withUrl.template.findResources('AWS::Lambda::Url')).not.toEqual({});
      expect(withUrl.report.conclusion).toBe('success');
      expect(withUrl.report.violations).toEqual([]);
      const rules = (r: PluginReport) => [
        ...new Set((r.suppressedViolations ?? []).map((f) => f.ruleName)),
      ];
      expect(rules(withUrl.report)).toEqual(rules(aws.report));
    },
    SYNTH_TIMEOUT_MS,
  );

  it('in local, acknowledges only that point-in-time recovery is off', () => {
    expect(local.report.violations).toEqual([]);
    const extra = (local.report.suppressedViolations ?? [])
      .map((f) => f.ruleName)
      .filter((rule) => !(aws.report.suppressedViolations ?? []).some((f) => f.ruleName === rule));
    expect([...new Set(extra)]).toEqual(['AwsSolutions-DDB3']);
  });
});

describe('provider secrets on AWS come from SSM Parameter Store', () => {
  const SSM_ACTIONS = ['ssm:GetParameters', 'ssm:GetParameter'];
  const parameterArn = (name: string) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':ssm:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:parameter${name}`,
      ],
    ],
  });

  it('gives the capture function the parameter names, not values', () => {
    const capture = resources(aws.template)[functionId(aws.template, 'CaptureFunction')]!;
    const variables = capture.Properties!.Environment!.Variables!;
    expect(variables).toMatchObject({
      STRIPE_WEBHOOK_SECRET_PARAMETER: PROVIDER_REGISTRY.stripe.secret.parameterName!,
      BIGCOMMERCE_CLIENT_SECRET_PARAMETER: PROVIDER_REGISTRY.bigcommerce.secret.parameterName!,
    });
    expect(variables).not.toHaveProperty('STRIPE_WEBHOOK_SECRET');
    expect(variables).not.toHaveProperty('BIGCOMMERCE_CLIENT_SECRET');
  });

  it('lets the capture function read exactly those two parameters, and nothing else SSM', () => {
    const ssm = statementsOf(aws.template, 'CaptureFunction').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('ssm:')),
    );
    expect(ssm).toHaveLength(1);
    expect(ssm[0]).toMatchObject({ Effect: 'Allow', Action: SSM_ACTIONS });
    expect(ssm[0]!.Resource).toEqual([
      parameterArn(PROVIDER_REGISTRY.stripe.secret.parameterName!),
      parameterArn(PROVIDER_REGISTRY.bigcommerce.secret.parameterName!),
    ]);
  });

  it('gives no other function any SSM permission or parameter name', () => {
    for (const [id, fn] of Object.entries(aws.template.findResources('AWS::Lambda::Function'))) {
      if (id.startsWith('CaptureFunction')) continue;
      const variables = Object.keys(fn.Properties.Environment?.Variables ?? {});
      expect(
        variables.filter((v) => v.endsWith('_PARAMETER')),
        id,
      ).toEqual([]);
    }
    const text = JSON.stringify(aws.template.findResources('AWS::IAM::Policy'));
    expect(text.match(/"ssm:GetParameters"/g)).toHaveLength(1);
  });

  it('keeps plain development secrets in local, with no SSM at all', () => {
    expect(JSON.stringify(local.template.toJSON())).not.toMatch(/ssm:|_PARAMETER/);
  });
});

/**
 * Every DynamoDB permission of a function, as `action on resource`, the resource named by what it
 * is: `table`, `table/index/<name>`, `stream` or `*`. Never vacuous.
 */
function dynamodbPermissions(template: Template, functionPrefix: string): string[] {
  const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
  const tableArn = JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] });
  const streamArn = JSON.stringify({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
  const name = (resource: unknown): string => {
    const text = JSON.stringify(resource);
    if (resource === '*') return '*';
    if (text === tableArn) return 'table';
    if (text === streamArn) return 'stream';
    const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join?.[0] === '' && join[1].length === 2 && JSON.stringify(join[1][0]) === tableArn) {
      return `table${String(join[1][1])}`;
    }
    return text;
  };
  const permissions = statementsOf(template, functionPrefix)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      actionsOf(s)
        .filter((a) => a.startsWith('dynamodb:'))
        .flatMap((a) => [s.Resource].flat().map((r) => `${a} on ${name(r)}`)),
    );
  expect(permissions.length, functionPrefix).toBeGreaterThan(0);
  return [...new Set(permissions)].sort();
}

describe('least privilege', () => {
  it.each(['aws', 'local'] as const)(
    'the capture function (%s) may only put items and count conflicts, besides reading its secrets',
    (profile) => {
      const { template } = profile === 'aws' ? aws : local;
      const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
      const statements = statementsOf(template, 'CaptureFunction').filter(
        (s) => !actionsOf(s).every((a) => a.startsWith('ssm:')),
      );
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: payloadObjects(template) },
      ]);
    },
  );

  // What each handler's ledger and projection calls send (services/webhooks/): claim,
  // finish, markEnqueued, requeue and applyProjection are conditional UpdateItems, getState and
  // getWebhook GetItems (a claim from received reads nothing), listAttention a Query on the
  // attention index. Nothing deletes, scans,
  // batches or writes whole items after capture. tests/integration/function-permissions.test.ts
  // runs the handlers and checks every call they make against these grants.
  const EXPECTED: Record<'ProcessFunction' | 'RetryFunction' | 'SweepFunction', string[]> = {
    // Plus what the stream trigger needs to read the table's stream, granted with the mapping.
    ProcessFunction: [
      'dynamodb:DescribeStream on stream',
      'dynamodb:GetRecords on stream',
      'dynamodb:GetShardIterator on stream',
      'dynamodb:ListStreams on *',
      'dynamodb:UpdateItem on table',
    ],
    RetryFunction: ['dynamodb:GetItem on table', 'dynamodb:UpdateItem on table'],
    SweepFunction: [
      'dynamodb:GetItem on table',
      'dynamodb:Query on table/index/attention',
      'dynamodb:UpdateItem on table',
    ],
  };

  describe.each(['aws', 'local'] as const)('in %s', (profile) => {
    it.each(Object.keys(EXPECTED) as Array<keyof typeof EXPECTED>)(
      '%s gets exactly the DynamoDB actions its handler uses',
      (prefix) => {
        const { template } = profile === 'aws' ? aws : local;
        expect(dynamodbPermissions(template, prefix)).toEqual(EXPECTED[prefix]);
      },
    );

    it('only process and sweep send to the failed queue, and only process and retry notify the operator', () => {
      const { template } = profile === 'aws' ? aws : local;
      const granted = (prefix: string, action: string) =>
        statementsOf(template, prefix).some((s) => actionsOf(s).includes(action));
      const functions = ['CaptureFunction', ...Object.keys(EXPECTED)];
      expect(functions.filter((f) => granted(f, 'sqs:SendMessage'))).toEqual([
        'ProcessFunction',
        'SweepFunction',
      ]);
      // Process: a permanent failure of the first attempt; retry: the last attempt.
      expect(functions.filter((f) => granted(f, 'sns:Publish'))).toEqual([
        'ProcessFunction',
        'RetryFunction',
      ]);
    });

    it('no function may reach every index, or any DynamoDB action but ListStreams on *', () => {
      const { template } = profile === 'aws' ? aws : local;
      const text = JSON.stringify(template.findResources('AWS::IAM::Policy'));
      expect(text).not.toContain('/index/*');
      for (const prefix of ['CaptureFunction', ...Object.keys(EXPECTED)]) {
        const wildcards = statementsOf(template, prefix).filter((s) =>
          [s.Resource].flat().includes('*'),
        );
        for (const statement of wildcards) {
          expect(actionsOf(statement), prefix).toEqual(['dynamodb:ListStreams']);
        }
      }
    });
  });
});

describe('the dead letter queue alarm', () => {
  it.each(['aws', 'local'] as const)(
    '(%s) fires on one visible message and tells the operator topic, and again when clear',
    (profile) => {
      const { template } = profile === 'aws' ? aws : local;
      const dlqId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
        id.startsWith('DeadWebhooksQueue'),
      )!;
      const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
      // The others (stack/observability.ts) are checked by webhook-stack.test.ts (observability-checks.ts).
      const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
        id.startsWith('DeadLetterAlarm'),
      );
      expect(alarms).toHaveLength(1);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    },
  );

  it('subscribes the operator email only when the OperatorEmail parameter is given', () => {
    const json = aws.template.toJSON();
    expect(json.Parameters.OperatorEmail).toMatchObject({ Type: 'String', Default: '' });
    const subscriptions = Object.values(resources(aws.template)).filter(
      (r) => r.Type === 'AWS::SNS::Subscription',
    );
    expect(subscriptions).toHaveLength(1);
    const subscription = subscriptions[0]!;
    expect(subscription.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: { Ref: 'OperatorEmail' },
    });
    expect(json.Conditions[subscription.Condition!]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OperatorEmail' }, ''] }],
    });
  });

  it('is named in the outputs', () => {
    const alarmId = Object.keys(aws.template.findResources('AWS::CloudWatch::Alarm')).find((id) =>
      id.startsWith('DeadLetterAlarm'),
    )!;
    expect(aws.template.toJSON().Outputs.DeadLetterAlarmName.Value).toEqual({ Ref: alarmId });
  });
});

describe('flood protection', () => {
  const profile = resolveProfile('aws', {});

  it('aws: throttles the webhook route with the profile rate and burst', () => {
    const flood = profile.flood!;
    aws.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      RouteSettings: {
        'POST /api/webhooks/{provider}': {
          ThrottlingRateLimit: flood.routeRateLimit,
          ThrottlingBurstLimit: flood.routeBurstLimit,
        },
      },
    });
  });

  it('aws: reserves the profile concurrency for the capture function, and only for it', () => {
    const reserved = Object.entries(resources(aws.template))
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .filter(([, r]) => r.Properties?.ReservedConcurrentExecutions !== undefined)
      .map(([id, r]) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        r.Properties?.ReservedConcurrentExecutions,
      ]);
    expect(reserved).toEqual([['CaptureFunction', profile.flood!.captureReservedConcurrency]]);
  });

  it('local: neither (nothing bills, and the emulator applies neither)', () => {
    const json = JSON.stringify(local.template.toJSON());
    expect(json).not.toContain('ReservedConcurrentExecutions');
    expect(json).not.toContain('RouteSettings');
  });
});

/** `<bucket ARN>/webhooks/*`, as the template spells it. */
function payloadObjects(template: Template) {
  const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0]!;
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/webhooks/*']] };
}

describe('the payload bucket (claim check)', () => {
  it.each(['aws', 'local'] as const)(
    '%s: one bucket, S3-managed encryption, no public access, TLS only, objects expire with the retention',
    (profile) => {
      const { template } = profile === 'aws' ? aws : local;
      template.resourceCountIs('AWS::S3::Bucket', 1);
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            {
              Status: 'Enabled',
              Prefix: 'webhooks/',
              ExpirationInDays: resolveProfile(profile, {}).retentionDays,
            },
          ],
        },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      });
      const bucket = Object.values(template.findResources('AWS::S3::Bucket'))[0]!;
      expect(bucket.DeletionPolicy).toBe(profile === 'aws' ? 'Retain' : 'Delete');
    },
  );

  it.each(['aws', 'local'] as const)(
    '%s: capture may only put objects under the prefix, process and retry only get them, the sweeper nothing',
    (profile) => {
      const { template } = profile === 'aws' ? aws : local;
      const s3 = (prefix: string) =>
        statementsOf(template, prefix)
          .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
          .map((s) => ({ actions: actionsOf(s), resource: s.Resource }));
      const objects = payloadObjects(template);
      expect(s3('CaptureFunction')).toEqual([{ actions: ['s3:PutObject'], resource: objects }]);
      expect(s3('ProcessFunction')).toEqual([{ actions: ['s3:GetObject'], resource: objects }]);
      expect(s3('RetryFunction')).toEqual([{ actions: ['s3:GetObject'], resource: objects }]);
      expect(s3('SweepFunction')).toEqual([]);
    },
  );

  it('gives capture, process and retry the bucket and capture the limits, and names the bucket in an output', () => {
    const bucketRef = { Ref: Object.keys(aws.template.findResources('AWS::S3::Bucket'))[0]! };
    for (const prefix of ['CaptureFunction', 'ProcessFunction', 'RetryFunction']) {
      const fn = resources(aws.template)[functionId(aws.template, prefix)]!;
      expect(fn.Properties!.Environment!.Variables!.PAYLOAD_BUCKET, prefix).toEqual(bucketRef);
    }
    const capture = resources(aws.template)[functionId(aws.template, 'CaptureFunction')]!;
    expect(capture.Properties!.Environment!.Variables).toMatchObject({
      MAX_PAYLOAD_BYTES: String(6 * 1024 * 1024 - 16 * 1024),
      PAYLOAD_INLINE_MAX_BYTES: String(64 * 1024),
    });
    aws.template.hasOutput('PayloadBucketName', { Value: bucketRef });
  });
});
