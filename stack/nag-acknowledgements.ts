import { type Stack, Validations } from 'aws-cdk-lib';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { PAYLOAD_KEY_PREFIX } from '../services/webhooks/webhook-body.js';
import type { ProfileName } from './profile.js';

/**
 * The cdk-nag AwsSolutions findings this stack accepts, each with its reason. Findings are
 * matched by what they are about (every function, every role with the Lambda basic execution
 * policy, every policy whose only wildcard is dynamodb:ListStreams), not by construct path, so
 * a new function gets the same review; anything else still fails `cdk synth` and the tests
 * (tests/unit/stack/aws-readiness.test.ts).
 */
export function acknowledgeNagFindings(stack: Stack, profile: ProfileName): void {
  const all = stack.node.findAll();
  const acknowledge = (construct: IConstruct, id: string, reason: string) =>
    Validations.of(construct).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });

  for (const fn of all.filter((c) => c instanceof CfnFunction)) {
    acknowledge(
      fn,
      'L1',
      'Node.js 22 is pinned on purpose: the handlers are tested on Node.js 20 and 22 (development machines run 20), and a runtime change is a deliberate, tested step, not a default that moves under us.',
    );
  }

  for (const role of all.filter((c) => c instanceof CfnRole)) {
    acknowledge(
      role,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch logs (logs:CreateLogGroup, CreateLogStream, PutLogEvents); an inline copy would be the same permissions without AWS's maintenance.",
    );
  }

  const tables = all.filter((c) => c instanceof CfnTable);
  if (profile === 'local') {
    for (const table of tables) {
      acknowledge(
        table,
        'DDB3',
        'Only the local profile (embedded emulator, LocalStack) leaves point-in-time recovery off: there is nothing to recover on a laptop. The aws profile turns it on (asserted in tests/unit/stack).',
      );
    }
  }
  // No table grant reaches `index/*`: each function gets its own DynamoDB actions on the table
  // ARN, and the sweeper Query on the attention index's own ARN (stack/webhook-stack.ts).
  for (const policy of all.filter((c) => c instanceof CfnPolicy)) {
    if (!onlyListStreamsOnEveryResource(stack, policy)) continue;
    acknowledge(
      policy,
      'IAM5[Resource::*]',
      'dynamodb:ListStreams, granted with the stream trigger, has no resource-level permissions (AWS service authorization reference); every other action in the policy is scoped to this stack.',
    );
  }

  for (const bucket of all.filter((c) => c instanceof CfnBucket)) {
    acknowledge(
      bucket,
      'S1',
      "The payload bucket holds webhook bodies that only the stack's own functions write (capture, under one prefix) and read (processing); every request is already in CloudTrail for the account, and server access logs would need a second bucket for no question this stack has to answer.",
    );
  }
  // The payload bucket's grants are on its objects under one prefix (`<bucket>/webhooks/*`): the
  // wildcard is the webhook ids, not other buckets or actions (stack/webhook-stack.ts).
  for (const bucket of all.filter((c) => c instanceof CfnBucket)) {
    const payloadObjects = `Resource::<${stack.getLogicalId(bucket as CfnBucket)}.Arn>/${PAYLOAD_KEY_PREFIX}*`;
    for (const policy of all.filter((c) => c instanceof CfnPolicy)) {
      acknowledge(
        policy,
        `IAM5[${payloadObjects}]`,
        'Grants on the payload bucket name its objects under the webhooks/ prefix: one object per webhook, keyed by its id, so the wildcard stands for webhook ids only. Capture may only PutObject there, processing only GetObject.',
      );
    }
  }

  for (const route of all.filter((c) => c instanceof CfnRoute)) {
    acknowledge(
      route,
      'APIG4',
      "Webhook senders cannot carry an IAM, JWT or Lambda authorizer's credentials: each request is authenticated by its provider signature (HMAC over the raw body and timestamp), verified by the capture function before anything is stored; a bad signature gets 401.",
    );
  }
}

/** Whether the policy's only statements on `Resource: *` are for dynamodb:ListStreams. */
function onlyListStreamsOnEveryResource(stack: Stack, policy: CfnPolicy): boolean {
  const document = stack.resolve(policy.policyDocument) as {
    Statement?: Array<{ Action?: string | string[]; Resource?: string | string[] }>;
  };
  const onEverything = (document.Statement ?? []).filter((statement) =>
    [statement.Resource ?? []].flat().includes('*'),
  );
  return (
    onEverything.length > 0 &&
    onEverything.every((statement) =>
      [statement.Action ?? []].flat().every((action) => action === 'dynamodb:ListStreams'),
    )
  );
}
