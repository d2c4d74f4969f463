import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
} from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { addAccessLog } from './api-access-log.js';
import { DeadLetterAlarm } from './dead-letter-alarm.js';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';
import type { Profile } from './profile.js';
import { provideProviderSecrets } from './provider-secrets.js';
import {
  ATTENTION_INDEX,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
  WEBHOOK_SORT_KEY,
} from './table-schema.js';
import { WebhookFunction } from './webhook-function.js';

export { STACK_NAME } from './stack-name.js';

/** The failed queue's redrive policy: the third receive moves a message to the DLQ. */
export const MAX_RECEIVE_COUNT = 2;
export const WEBHOOK_ROUTE = '/api/webhooks/{provider}';

/**
 * The table actions of the retry and sweep functions: every ledger call they make is a
 * GetItem or a conditional UpdateItem on the table (no Put, Delete, Scan, batch or
 * transaction). The sweeper also queries the attention index; the process function only
 * updates.
 */
const PROCESSING_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

export interface WebhookStackProps extends StackProps {
  readonly profile: Profile;
}

/**
 * The single source of truth: the embedded emulator, LocalStack (cdklocal) and AWS (cdk deploy)
 * all run this stack.
 */
export class WebhookStack extends Stack {
  constructor(scope: Construct, id: string, props: WebhookStackProps) {
    super(scope, id, props);
    const { profile } = props;

    const table = new Table(this, 'WebhooksTable', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: profile.name === 'aws' },
      removalPolicy: profile.removalPolicy,
    });
    // Sparse: only STATUS items that need attention (not completed) carry these keys.
    table.addGlobalSecondaryIndex({
      indexName: ATTENTION_INDEX.name,
      partitionKey: { name: ATTENTION_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ATTENTION_INDEX.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    const deadLetterQueue = new Queue(this, 'DeadWebhooksQueue', {
      retentionPeriod: profile.deadLetterRetention,
      // Dead webhooks wait here for a redrive; deleting the stack must not drop them on AWS.
      removalPolicy: profile.removalPolicy,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const failedQueue = new Queue(this, 'FailedWebhooksQueue', {
      visibilityTimeout: profile.failedQueueVisibilityTimeout,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const operatorTopic = new Topic(this, 'OperatorTopic', {
      displayName: 'Webhook receiver: operator notifications',
      enforceSSL: true,
    });

    const common: Record<string, string> = {
      TABLE_NAME: table.tableName,
      RETENTION_DAYS: String(profile.retentionDays),
      LOG_LEVEL: profile.logLevel,
      STACK_PROFILE: profile.name,
      ...(profile.faultInjection ? { FAULT_INJECTION: '1' } : {}),
    };
    const processing: Record<string, string> = {
      ...common,
      FAILED_QUEUE_URL: failedQueue.queueUrl,
      OPERATOR_TOPIC_ARN: operatorTopic.topicArn,
      LEASE_SECONDS: String(profile.leaseSeconds),
      MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    };

    const capture = new WebhookFunction(this, 'CaptureFunction', {
      handler: 'capture',
      description: 'Verifies and stores incoming webhooks',
      timeout: profile.captureTimeout,
      environment: common,
    });
    // Capture puts the two items of a new webhook (one TransactWriteItems of two Puts) and, for
    // a copy whose body differs from the stored one, counts the conflict on its STATUS item
    // (an UpdateItem that changes nothing else). It never reads: a duplicate's cancellation
    // carries the stored copy.
    grantTableActions(capture, table.tableArn, ['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    provideProviderSecrets(capture, profile);

    const processFn = new WebhookFunction(this, 'ProcessFunction', {
      handler: 'process',
      description: 'First processing attempt, from the table stream',
      timeout: profile.processTimeout,
      environment: {
        ...processing,
        STREAM_RECORD_CONCURRENCY: String(profile.streamRecordConcurrency),
      },
    });
    // Conditionally updates items, nothing else (services/webhooks/dynamodb-webhook-ledger.ts, projection-store.ts): claim
    // (from received it reads nothing: a failed condition returns the item), finish,
    // markEnqueued and the processors' applyProjection. The stream trigger adds its own stream
    // read permissions.
    grantTableActions(processFn, table.tableArn, ['dynamodb:UpdateItem']);
    // A failed first attempt is queued for retry; a permanent failure is dead at once and
    // notifies the operator (services/webhooks/process-webhook.ts).
    failedQueue.grantSendMessages(processFn);
    operatorTopic.grantPublish(processFn);
    processFn.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        retryAttempts: profile.streamRetryAttempts,
        reportBatchItemFailures: true,
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { [SORT_KEY]: { S: FilterRule.isEqual(WEBHOOK_SORT_KEY) } } },
          }),
        ],
      }),
    );

    const retryFn = new WebhookFunction(this, 'RetryFunction', {
      handler: 'retry',
      description: 'Retries failed webhooks from the failed queue; marks the last failure dead',
      timeout: profile.processTimeout,
      environment: processing,
    });
    // The same calls as the process function, and two reads (GetItem): claim from failed reads
    // the status first, and getWebhook a message that carries only the webhook's id.
    grantTableActions(retryFn, table.tableArn, PROCESSING_TABLE_ACTIONS);
    // A failed retry stays on the queue (SQS redelivers it; its event source deletes the rest),
    // so it sends nothing; the last failure notifies the operator.
    operatorTopic.grantPublish(retryFn);
    retryFn.addEventSource(
      new SqsEventSource(failedQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    const sweepFn = new WebhookFunction(this, 'SweepFunction', {
      handler: 'sweep',
      description: 'Re-enqueues webhooks stuck past their lease, lost from the queue or the stream',
      timeout: profile.processTimeout,
      environment: {
        ...processing,
        SWEEP_PROCESSING_GRACE_SECONDS: String(profile.sweep.processingGraceSeconds),
        SWEEP_FAILED_AFTER_SECONDS: String(profile.sweep.failedAfterSeconds),
        SWEEP_RECEIVED_AFTER_SECONDS: String(profile.sweep.receivedAfterSeconds),
      },
    });
    // listAttention queries the attention index, and only that index; requeue and markEnqueued
    // update, getWebhook reads (services/webhooks/sweep-webhooks.ts).
    grantTableActions(sweepFn, table.tableArn, PROCESSING_TABLE_ACTIONS);
    grantTableActions(sweepFn, `${table.tableArn}/index/${ATTENTION_INDEX.name}`, [
      'dynamodb:Query',
    ]);
    failedQueue.grantSendMessages(sweepFn);
    new Rule(this, 'SweepSchedule', {
      description: 'Runs the sweeper',
      schedule: Schedule.rate(profile.sweep.every),
      targets: [new LambdaFunction(sweepFn, { retryAttempts: 0 })],
    });

    const api = new HttpApi(this, 'HttpApi', { description: 'Webhook ingress' });
    api.addRoutes({
      path: WEBHOOK_ROUTE,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('CaptureIntegration', capture),
    });
    addAccessLog(
      this,
      api,
      profile.name === 'aws' ? RetentionDays.ONE_MONTH : RetentionDays.ONE_WEEK,
    );

    const deadLetterAlarm = new DeadLetterAlarm(this, 'DeadLetterAlarm', {
      deadLetterQueue,
      operatorTopic,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    // Where there is no HTTP API (LocalStack's free image), the e2e suite invokes this directly.
    new CfnOutput(this, 'CaptureFunctionName', { value: capture.functionName });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'FailedQueueUrl', { value: failedQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetterQueue.queueUrl });
    new CfnOutput(this, 'OperatorTopicArn', { value: operatorTopic.topicArn });
    new CfnOutput(this, 'DeadLetterAlarmName', { value: deadLetterAlarm.alarm.alarmName });

    // Last, so it sees every resource above.
    acknowledgeNagFindings(this, profile.name);
  }
}

/** Exactly these DynamoDB actions on exactly this table or index ARN; no `index/*`, no `*`. */
function grantTableActions(grantee: IGrantable, arn: string, actions: readonly string[]): void {
  Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [arn] });
}
